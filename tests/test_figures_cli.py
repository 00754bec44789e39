"""The figures through the real entry point, on the demo workbook: the tabs ``check`` writes, ``paniers
report`` and ``paniers plan``."""

from __future__ import annotations

from collections import defaultdict

import pytest
from plain import plain

import jobs
from sync import sheet
from sync.stores import Changes, LocalWorkbookStore

AFTER = ["--now", "2026-12-12 10:00"]  # December distributed; the Christmas sale is open


@pytest.fixture
def folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert jobs.main(["init", "--demo"]) == 0
    capsys.readouterr()
    return tmp_path


def run(capsys, *argv):
    code = jobs.main(list(argv))
    out, err = capsys.readouterr()
    return code, plain(out), plain(err)


def test_check_writes_the_bilan_and_keeps_the_coordinators_notes(folder, capsys):
    run(capsys, "check", *AFTER)
    store = LocalWorkbookStore(folder / "paniers.xlsx")
    tabs = store.read(["Bilan", "Commandes", "Foyers à recontacter"])
    bilan = tabs["Bilan"]
    header = bilan[0]
    assert header[:10] == sheet.BILAN.header
    assert header[10:] and all(h.startswith(("Commandes : ", "CA : ")) for h in header[10:])
    rows = {row[0]: dict(zip(header, row, strict=False)) for row in bilan[1:]}
    assert list(rows) == ["2026-11", "2026-12", "2026-NOEL"]
    assert rows["2026-11"]["Foyers"] == rows["2026-11"]["Nouveaux foyers"] > 0  # the first sale: all new
    december = rows["2026-12"]
    assert december["Foyers"] == december["Nouveaux foyers"] + december["Foyers fidèles"]
    assert rows["2026-NOEL"]["Foyers"] == 0  # open, no order yet
    # the turnover agrees with the Commandes tab, written by the orders core
    orders = tabs["Commandes"]
    columns = orders[0]
    totals: dict[str, float] = defaultdict(float)
    for line in orders[1:]:
        line = dict(zip(columns, line, strict=False))
        if line["Quantité attribuée"]:
            totals[line["Vente"]] += float(line["Montant"])
    for code in ("2026-11", "2026-12"):
        assert rows[code]["Chiffre d'affaires total"] == pytest.approx(totals[code])
        per_producer = sum(float(v or 0) for h, v in rows[code].items() if h.startswith("CA : "))
        assert per_producer == pytest.approx(totals[code])
    assert tabs["Foyers à recontacter"] == [sheet.RECALL.header]  # two sales: nobody has left yet

    bilan[1] += [""] * (len(header) - len(bilan[1]))
    bilan[1][header.index("Remarques")] = "Première vente avec l'outil"
    store.write(Changes(replace={"Bilan": bilan}))
    run(capsys, "check", "--now", "2026-12-12 10:05")
    again = store.read(["Bilan"])["Bilan"]
    assert again[1][again[0].index("Remarques")] == "Première vente avec l'outil"


def test_report_of_a_sale(folder, capsys):
    code, out, _ = run(capsys, "report", "--sale", "2026-12", *AFTER)
    assert code == 0
    page = folder / "bilan-2026-12.html"
    assert out.startswith(f"Bilan de la vente « Vente de décembre » (2026-12) : {page}")
    html = page.read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 2 and "Colis de veau" in html
    code, out, _ = run(capsys, "report", *AFTER, "--out", str(folder / "dernier.html"))
    assert code == 0 and "(2026-12)" in out  # the latest sale distributed
    code, _, err = run(capsys, "report", "--sale", "2027-01", *AFTER)
    assert code == 2 and "Vente inconnue : 2027-01" in err


def test_plan_like_a_sale(folder, capsys):
    code, out, _ = run(capsys, "plan", "--like", "2026-12", "--out", "decembre.xlsx", *AFTER)
    assert code == 0
    assert "Ferme des Trois Chênes" in out and "VIA2" in out and "Tableau enregistré : decembre.xlsx" in out
    assert (folder / "decembre.xlsx").exists()
    code, _, err = run(capsys, "plan", "--sale", "2026-NOEL", *AFTER)
    assert code == 2 and "Pas de vente comparable" in err
    code, _, err = run(capsys, "plan", *AFTER)
    assert code == 2 and "--like" in err
