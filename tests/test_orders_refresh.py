"""The per-run pipeline (``refresh``), the Clients appends and ``paniers check`` over the orders."""

from __future__ import annotations

import gc
from decimal import Decimal

import pandas as pd
import pytest
from conftest import at
from order_sheets import Workbook
from plain import into, plain

import jobs
from sync import refresh as refresh_module
from sync import sheet, snapshot
from sync.commands import Context, check
from sync.orderbook import OrderBook
from sync.problems import warning
from sync.stores import MemoryStore

AFTER = at("2026-12-11 12:00")
# The note of a household the run adds to Clients (sync/clients.py), for a first order of the sale 2026-12
BY_FORM = "Ajouté par Paniers\u202f: première commande par le formulaire, vente 2026-12"
BY_PHONE = "Ajouté par Paniers\u202f: première commande par téléphone ou sur papier, vente 2026-12"


def small() -> Workbook:
    return (Workbook()
            .respond("01/12/2026 10:00:00", "ana@example.org", "Ana", "Lopez", "06 11 22 33 44", PAIN1="2",
                     MIEL1="deux")
            .respond("02/12/2026 10:00:00", "bob@example.org", "Bob", "Martin", PAIN2="1")
            .phone("03/12/2026 09:00", "cleo@example.org", {"POUL1": "1"}, "2026-12", "Cléo", "Durand"))


def run_check(store, config, now=AFTER) -> list[str]:
    output: list[str] = []
    check.run(Context(config, store, now, into(output)))
    return output


def test_refresh_gives_everything_and_one_set_of_changes(config):
    result = small().refresh(AFTER, config)
    assert result.complete and result.blocked == []
    derived = {"Commandes", "Par producteur", "Émargement", "Bilan", "Foyers à recontacter", "Anomalies"}
    assert set(result.changes.replace) == derived
    assert set(result.changes.append) == {"Clients"}
    assert set(result.frames) == derived
    assert result.changes.replace["Commandes"] == sheet.frame_to_grid(result.frames["Commandes"])
    assert len(result.book.households) == 3
    assert [plain(p.message).split(" ;")[0] for p in result.problems] == [
        # the test group has an inactive producer with an active product (see order_sheets.PRODUCERS)
        "producteur inactif avec 1 produit actif (ANC1) : ses produits ne seront pas proposés",
        "quantité écrite en lettres : écrivez-la en chiffres, par exemple 2"]
    assert result.problems_for("2026-12") == result.problems
    assert [p.tab for p in result.problems_for("2026-11")] == ["Producteurs"]


def test_anomalies_gather_structure_catalogue_and_orders(config):
    workbook = small()
    workbook.products[1][4] = "-6"  # a negative price: a catalogue error
    workbook.manual[0][0:0] = []
    grids = workbook.grids()
    grids["Saisie manuelle"][0].append("Vente")  # a duplicated header: a structure warning
    result = refresh_module.refresh(snapshot.read(MemoryStore(grids), config), config, AFTER)
    tabs_and_sales = {(p.tab, p.sale) for p in result.problems}
    assert tabs_and_sales >= {("Produits", ""), ("Saisie manuelle", ""), ("Réponses au formulaire 1", "2026-12")}
    anomalies = result.changes.replace["Anomalies"]
    assert anomalies[0] == ["Vente", "Gravité", "Onglet", "Ligne", "Colonne", "Problème", "Valeur"]
    assert len(anomalies) == 1 + len(result.problems)


def test_structure_problems_of_derived_tabs_are_not_reported(config):
    grids = small().grids()
    grids["Commandes"] = [["Vente", "Email", "Remarques"], ["2026-12", "ana@example.org", "Appeler"]]
    result = refresh_module.refresh(snapshot.read(MemoryStore(grids), config), config, AFTER)
    assert not [p for p in result.problems if p.tab == "Commandes"]


def test_check_writes_once_and_says_how_each_sale_stands(config):
    store = small().store()
    output = run_check(store, config)
    assert store.reads == 1 and store.writes == 1
    text = "\n".join(output)
    assert "Commandes (détail dans l'onglet « Commandes ») :" in text
    assert ("  2026-12 · Vente de décembre (close le jeudi 10 décembre 2026 à 20 h) : 3 commandes ; "
            "35,70 € (estimation pour les produits au poids).") in output
    assert "  2026-11 · Vente de novembre (close le jeudi 12 novembre 2026 à 20 h) : aucune commande." in output
    assert ("  2026-NOEL · Vente de Noël (ouverture le lundi 14 décembre 2026 à 8 h) : aucune commande.") in output
    assert ("Clients : 3 nouveaux foyers ajoutés à l'onglet « Clients » (ana@example.org, bob@example.org, "
            "cleo@example.org).") in output
    assert "Anomalies : 1 erreur, 1 avertissement (détail dans l'onglet « Anomalies ») :" in output
    assert store.tabs["Commandes"][1][:8] == ["2026-12", "ana@example.org", "Ana Lopez", "FERME", "PAIN1",
                                              "Pain de campagne 1 kg", 2, 2]
    assert store.tabs["Par producteur"][1] == ["2026-12", "FERME", "PAIN1", "Pain de campagne 1 kg", 2, 9.0]
    assert len(store.tabs["Anomalies"]) == 3


def test_check_counts_modified_cancelled_and_cut_orders(config):
    workbook = small()
    workbook.products[0][7] = "1"  # PAIN1: one loaf only
    workbook.respond("04/12/2026 10:00:00", "bob@example.org", "Bob", "Martin", PAIN2="2", PAIN1="1")
    workbook.respond("05/12/2026 10:00:00", "dan@example.org", "Dan", "", PAIN1="1")
    workbook.respond("06/12/2026 10:00:00", "dan@example.org", "Dan", "")
    output = run_check(workbook.store(), config, at("2026-12-08 10:00"))
    assert ("  2026-12 · Vente de décembre (commandes ouvertes jusqu'au jeudi 10 décembre 2026 à 20 h) : "
            "3 commandes dont 1 modifiée, 1 annulée ; 37,20 € (estimation pour les produits au poids) ; "
            "2 quantités réduites faute de stock.") in output


def test_a_second_run_changes_nothing_and_keeps_what_people_typed(config):
    store = small().store()
    run_check(store, config)
    first = {name: [list(r) for r in grid] for name, grid in store.tabs.items()}
    # a person adds a column of their own to Commandes and types in it
    store.tabs["Commandes"][0].append("Remarques")
    store.tabs["Commandes"][1].append("Livrer chez la voisine")
    run_check(store, config)
    assert store.tabs["Clients"] == first["Clients"], "nobody is appended twice"
    assert store.tabs["Par producteur"] == first["Par producteur"]
    assert store.tabs["Anomalies"] == first["Anomalies"]
    assert store.tabs["Commandes"][0][-1] == "Remarques"
    assert store.tabs["Commandes"][1][-1] == "Livrer chez la voisine"
    assert [r[:13] for r in store.tabs["Commandes"]] == first["Commandes"]


# --- Clients ---------------------------------------------------------------------------------

def test_newcomers_are_appended_under_the_actual_header_and_existing_rows_never_change(config):
    workbook = small().respond("10/12/2026 21:00:00", "late@example.org", "Léa", "Tardy", PAIN1="1")
    workbook.clients = [
        ["Prénom", "Nom", "Adresse e-mail", "Abonné", "Quartier", "Ajouté le", "Notes", "Téléphone"],
        ["Ana", "Lopez", " ANA@example.org", "non", "Centre", "01/01/2026", "", ""],
        ["Robert", "Martin", "bob@example", "oui", "", "", "adresse à vérifier", ""],
    ]
    store = workbook.store()
    run_check(store, config)
    clients = store.tabs["Clients"]
    assert clients[:3] == sheet.trim(workbook.clients), "existing rows are never modified"
    assert clients[3:] == [  # the store drops trailing empty cells (no phone here)
        ["Bob", "Martin", "bob@example.org", "oui", "", "02/12/2026", BY_FORM],
        ["Cléo", "Durand", "cleo@example.org", "oui", "", "03/12/2026", BY_PHONE],
        ["Léa", "Tardy", "late@example.org", "oui", "", "10/12/2026",
         "Ajouté par Paniers\u202f: commande par le formulaire hors des dates d'une vente"],
    ]


def test_clients_without_an_email_column_gets_nothing(config):
    workbook = small()
    workbook.clients = [["Nom", "Prénom"], ["Lopez", "Ana"]]
    store = workbook.store()
    output = run_check(store, config)
    assert store.tabs["Clients"] == workbook.clients
    assert any("colonne obligatoire absente" in line and "Clients" in line for line in output)


def test_a_missing_clients_tab_is_created_with_the_newcomers(config):
    grids = small().grids()
    del grids["Clients"]
    store = MemoryStore(grids)
    run_check(store, config)
    assert store.tabs["Clients"][0] == sheet.CLIENTS.header
    assert [r[0] for r in store.tabs["Clients"][1:]] == ["ana@example.org", "bob@example.org", "cleo@example.org"]


def test_households_without_email_are_added_to_clients_once_without_an_address(config):
    workbook = (small()
                .phone("04/12/2026 10:00", "", {"PAIN1": "1"}, "", "Marie", "Dupont", "06 11 11 11 11")
                .phone("05/12/2026 10:00", "", {"MIEL1": "1"}, "", "Rémi", "Garnier"))
    workbook.clients = [sheet.CLIENTS.header,
                        ["", "Garnier", "Rémi", "", "oui", "01/01/2026", "typed by the coordinator"]]
    store = workbook.store()
    output = run_check(store, config)
    assert store.tabs["Clients"][2:] == [
        ["ana@example.org", "Lopez", "Ana", "06 11 22 33 44", "oui", "01/12/2026", BY_FORM],
        ["bob@example.org", "Martin", "Bob", "", "oui", "02/12/2026", BY_FORM],
        ["cleo@example.org", "Durand", "Cléo", "", "oui", "03/12/2026", BY_PHONE],
        ["", "Dupont", "Marie", "06 11 11 11 11", "oui", "04/12/2026", BY_PHONE],
    ], "Rémi Garnier is already there, by his name"
    assert any("Marie Dupont (tél. 06 11 11 11 11)" in line for line in output)
    assert not [p for p in refresh_module.refresh(snapshot.read(store, config), config, AFTER).problems
                if "Dupont" in p.message or "Garnier" in p.message]
    workbook.manual.append(["06/12/2026 10:00", "", "", "", "0611111111", "PAIN2", "1", ""])
    store.tabs["Saisie manuelle"] = workbook.grids()["Saisie manuelle"]
    before = store.tabs["Clients"]
    run_check(store, config)
    assert store.tabs["Clients"] == before, "nobody is appended twice"


# --- broken structure ------------------------------------------------------------------------

def test_a_missing_required_column_keeps_the_previous_orders(config):
    store = small().store()
    run_check(store, config)
    before = [list(r) for r in store.tabs["Commandes"]]
    header = store.tabs["Produits"][0]
    header[header.index("Prix")] = "Tarif"
    output = run_check(store, config)
    assert store.tabs["Commandes"] == before
    assert any(line.startswith("Commandes non recalculées") for line in output)
    assert any("colonne obligatoire absente" in r[5] for r in store.tabs["Anomalies"][1:])


@pytest.mark.parametrize(("had_orders", "complete"), [(False, True), (True, False)])
def test_a_missing_response_tab(config, had_orders, complete):
    grids = small().grids()
    del grids["Réponses au formulaire 1"]
    if had_orders:
        grids["Commandes"] = [sheet.ORDERS.header, ["2026-12", "ana@example.org", "Ana"]]
    result = refresh_module.refresh(snapshot.read(MemoryStore(grids), config), config, AFTER)
    assert result.complete is complete
    if complete:  # no form yet: the phone orders are there
        assert list(result.book.households["email"]) == ["cleo@example.org"]
    else:
        assert "Commandes" not in result.changes.replace and "Anomalies" in result.changes.replace


def test_the_response_tab_name_comes_from_the_config(tmp_path):
    from sync import config as config_module

    config = config_module.from_dict({"store": {"responses_tab": "Form Responses 1"}}, base_dir=tmp_path)
    grids = small().grids()
    grids["Form Responses 1"] = grids.pop("Réponses au formulaire 1")
    result = refresh_module.refresh(snapshot.read(MemoryStore(grids), config), config, AFTER)
    assert len(result.book.households) == 3
    assert {p.tab for p in result.book.problems} == {"Form Responses 1"}


# --- plugging in more -------------------------------------------------------------------------

def test_a_derived_tab_plugs_in_as_one_line_and_keeps_human_columns(config, monkeypatch):
    def sign_off(r):
        households = r.book.households
        return pd.DataFrame({"Vente": households["sale"], "Nom": households["name"], "Email": households["email"],
                             "Téléphone": households["phone"], "Total": households["amount"]})

    monkeypatch.setattr(refresh_module, "TABS", [*refresh_module.TABS, (sheet.SIGN_OFF, sign_off)])
    grids = small().grids()
    grids["Émargement"] = [[*sheet.SIGN_OFF.header], ["2026-12", "Bob Martin", "bob@example.org", "", 6, "oui", ""]]
    result = refresh_module.refresh(snapshot.read(MemoryStore(grids), config), config, AFTER)
    grid = result.changes.replace["Émargement"]
    assert grid[0] == ["Vente", "Nom", "Email", "Téléphone", "Total", "Payé", "Remarques"]
    assert ["2026-12", "Bob Martin", "bob@example.org", "", 6.0, "oui", ""] in grid


def test_a_book_step_adjusts_the_book_and_adds_its_problems(config, monkeypatch):
    def weighed(r):
        lines = r.book.lines.copy()
        lines["amount"] = [Decimal("1.00")] * len(lines)
        problem = warning("Pesées", 2, "Poids", "poids illisible", "x", "2026-12")
        return OrderBook(r.book.submissions, r.book.households, lines, []), [problem]

    monkeypatch.setattr(refresh_module, "BOOK_STEPS", [weighed])
    result = small().refresh(AFTER, config)
    assert set(result.book.lines["amount"]) == {Decimal("1.00")}
    assert [p.tab for p in result.book.problems] == ["Réponses au formulaire 1", "Pesées"]
    assert [p.tab for p in result.problems] == ["Producteurs", "Réponses au formulaire 1", "Pesées"]
    assert result.changes.replace["Par producteur"][1][-1] == 1.0


def test_paniers_check_through_the_command_line(tmp_path, capsys):
    (tmp_path / "config.toml").write_text('[store]\npath = "paniers.xlsx"\n', encoding="utf-8")
    assert jobs.main(["--config", str(tmp_path / "config.toml"), "init", "--demo"]) == 0
    assert jobs.main(["--config", str(tmp_path / "config.toml"), "check", "--now", "2026-12-11 12:00"]) == 0
    out = plain(capsys.readouterr().out)
    assert "2026-12 · Vente de décembre (close le jeudi 10 décembre 2026 à 20 h) : 15 commandes dont 1 modifiée" in out
    from sync.stores.local import LocalWorkbookStore

    tabs = LocalWorkbookStore(tmp_path / "paniers.xlsx").read(["Commandes", "Clients"])
    assert len(tabs["Commandes"]) > 100
    assert tabs["Clients"][-1][0] == "aurelie.caron@example.com"


def test_check_for_one_sale(config):
    output = run_check_sale(small().store(), config, "2026-12")
    assert [line for line in output if line.startswith("  20")] == [
        "  2026-12 · Vente de décembre (close le jeudi 10 décembre 2026 à 20 h) : 3 commandes ; 35,70 € "
        "(estimation pour les produits au poids)."]
    assert "Commandes : la vente 2027-01 n'existe pas dans l'onglet Ventes." in run_check_sale(
        small().store(), config, "2027-01")


def run_check_sale(store, config, sale):
    output: list[str] = []
    check.run(Context(config, store, AFTER, into(output)), sale=sale)
    return output


def test_refresh_leaves_the_garbage_collector_as_it_found_it(config, monkeypatch):
    """The collector is paused during a refresh (speed), and on again after, even when a step fails."""
    seen = []
    monkeypatch.setattr(refresh_module, "BOOK_STEPS",
                        [lambda r: (seen.append(gc.isenabled()), (r.book, []))[1]])
    assert gc.isenabled()
    small().refresh(AFTER, config)
    assert seen == [False] and gc.isenabled()

    def fail(r):
        raise RuntimeError("boom")

    monkeypatch.setattr(refresh_module, "BOOK_STEPS", [fail])
    with pytest.raises(RuntimeError):
        small().refresh(AFTER, config)
    assert gc.isenabled()
    gc.disable()
    try:
        monkeypatch.setattr(refresh_module, "BOOK_STEPS", [])
        small().refresh(AFTER, config)
        assert not gc.isenabled(), "a collector someone turned off stays off"
    finally:
        gc.enable()
