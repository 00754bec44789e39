"""The printable documents and spreadsheets, read back the way their recipients open them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from lists_builders import DECEMBER, book
from openpyxl import load_workbook
from plain import plain
from pypdf import PdfReader

from sync.config import from_dict
from sync.lists import (
    DocumentError,
    collection_pdf,
    coordinator_documents,
    household_pdf,
    producer_documents,
    producer_pdf,
    producer_spreadsheet,
    sign_off_pdf,
    statements_pdf,
)
from sync.lists.render import LINE_HEADER, slug

SALE = "2026-12"
A4 = (595, 842)  # points, portrait


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """Extracted text with every kind of space made a plain one (the PDF keeps NBSP and NNBSP)."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def pages(content: bytes):
    return PdfReader(io.BytesIO(content)).pages


def size(page) -> tuple[int, int]:
    return round(float(page.mediabox.width)), round(float(page.mediabox.height))


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return from_dict({"group": {"name": "Les Paniers du Boischaut"}}, base_dir=tmp_path_factory.mktemp("cfg"))


@pytest.fixture(scope="module")
def meat_pdf(dec, cat, config):
    return producer_pdf(dec, cat, SALE, "VIAN", config)


def test_producer_pdf_reads_back_with_households_amounts_and_accents(meat_pdf):
    assert meat_pdf.filename == "liste-2026-12-ferme-des-trois-chenes.pdf"
    assert meat_pdf.mimetype == "application/pdf"
    assert all(size(p) == A4 for p in pages(meat_pdf.content))
    text = flat(text_of(meat_pdf.content))
    for expected in ("Ferme des Trois Chênes", "Vente de décembre", "Vendredi 11 décembre 2026, de 17 h à 19 h",
                     "Salle des fêtes, 2 rue des Tilleuls, 36600 Valençay", "À apporter",
                     "Rôti de porc la pièce (1,2 kg environ)", "3,6 kg", "16,50 €/kg", "59,40 € *",
                     "Garnier Élodie", "Benali Ahmed", "Marchand Kévin", "À encaisser : 48,00 € *",
                     "Total à encaisser (5 foyers) 258,50 € *", "Montant estimé",
                     "chèques à l'ordre de « SCEA des Trois Chênes »", "Les Paniers du Boischaut"):
        assert expected in text, expected
    # households in alphabetical order (last name first)
    order = [text.index(n) for n in ("Benali Ahmed", "Ducloux Martine", "Garnier Élodie", "Marchand Kévin",
                                     "Pelletier Jérôme")]
    assert order == sorted(order)


def test_pdf_amounts_add_up_to_the_printed_total(dec, cat, config):
    """Every household's « À encaisser » amount in a producer's PDF adds up to its printed total."""
    import re

    for code in ("FOUR", "BIER"):
        text = flat(text_of(producer_pdf(dec, cat, SALE, code, config).content))
        amounts = [Decimal(a.replace(" ", "").replace(",", "."))
                   for a in re.findall(r"À encaisser : ([\d ]+,\d\d) €", text)]
        total = re.search(r"Total à encaisser \(\d+ foyers?\) ([\d ]+,\d\d) €", text).group(1)
        assert sum(amounts) == Decimal(total.replace(" ", "").replace(",", "."))


def test_sign_off_pdf_is_landscape_alphabetical_with_signature_column(dec, cat, config):
    doc = sign_off_pdf(dec, cat, SALE, config)
    assert doc.filename == "emargement-2026-12.pdf"
    assert size(pages(doc.content)[0]) == (A4[1], A4[0])
    text = flat(text_of(doc.content))
    assert "Émargement — Vente de décembre" in text and "Signature" in text and "Payé" in text
    names = ["Aubry Françoise", "Benali Ahmed", "Ducloux Martine", "Garnier Élodie", "Marchand Kévin",
             "Moreau-Lefèvre Claire", "Pelletier Jérôme"]
    positions = [text.index(n) for n in names]
    assert positions == sorted(positions)
    assert "425,40 € *" in text  # the sum of all producers' totals


def test_collection_sheet_pdf(dec, cat, config):
    doc = collection_pdf(dec, cat, SALE, "CHEV", config)
    text = flat(text_of(doc.content))
    assert doc.filename == "encaissement-2026-12-la-chevrerie-du-boischaut.pdf"
    for expected in ("Encaissement — La Chèvrerie du Boischaut", "Montant dû", "Payé", "N° de chèque",
                     "Aubry Françoise", "10,40 €", "« GAEC de la Chèvrerie »", "Total (3 foyers) 24,30 €"):
        assert expected in text, expected


def test_statements_one_page_per_household_with_cheques_to_bring(dec, cat, config):
    doc = statements_pdf(dec, cat, SALE, config=config)
    assert len(pages(doc.content)) == len(DECEMBER)
    martine = flat(text_of(household_pdf(dec, cat, SALE, "martine.ducloux@example.org", config).content))
    for expected in ("Martine Ducloux", "Le Fournil des Vignes — 9,00 €", "Ferme des Trois Chênes — 19,80 € *",
                     "chèque à l'ordre de « GAEC de la Chèvrerie » ou espèces", "prévoyez 4 chèques",
                     "Pensez à apporter vos sacs et vos boîtes à œufs vides !", "Total de votre commande 40,00 € *"):
        assert expected in martine, expected


def test_long_lists_break_across_a4_pages_and_repeat_headers(cat, config):
    """Thirty households: the lists run over several A4 pages, numbered, each page readable on its own."""
    people = [f"foyer{i:02d}@example.org" for i in range(30)]
    big = book({SALE: {email: {"PAIN1": 1 + i % 3, "PAIN4": 1} for i, email in enumerate(people)}}, cat)
    doc = producer_pdf(big, cat, SALE, "FOUR", config)
    reader = PdfReader(io.BytesIO(doc.content))
    assert len(reader.pages) >= 2
    assert all(size(p) == A4 for p in reader.pages)
    last = flat(reader.pages[-1].extract_text())
    assert f"page {len(reader.pages)} / {len(reader.pages)}" in last
    sign = sign_off_pdf(big, cat, SALE, config)
    sign_pages = PdfReader(io.BytesIO(sign.content)).pages
    assert len(sign_pages) >= 2
    assert all("Signature" in p.extract_text() for p in sign_pages)  # the header row repeats on every page
    total = sum(1 + i % 3 for i in range(30)) * Decimal("4.50") + 30 * Decimal("6.00")
    assert f"{total:.2f}".replace(".", ",") in flat(text_of(sign.content)).replace(" ", "")


def test_people_s_text_is_data_not_markup(cat, config):
    """A name typed in the form is escaped: it never turns into markup in the PDF."""
    b = book({SALE: {"x@example.org": {"PAIN1": 1}}}, cat)
    b.households.loc[:, "first_name"] = "<b>Zoé</b>"
    b.households.loc[:, "last_name"] = "O'Brien & fils"
    text = flat(text_of(producer_pdf(b, cat, SALE, "FOUR", config).content))
    assert "O'Brien & fils <b>Zoé</b>" in text


def test_xlsx_spreadsheet_by_default(dec, cat, config):
    doc = producer_spreadsheet(dec, cat, SALE, "VIAN", config)
    assert doc.filename == "liste-2026-12-ferme-des-trois-chenes.xlsx"
    wb = load_workbook(io.BytesIO(doc.content))
    assert wb.sheetnames == ["À apporter", "Par foyer", "Barème"]
    totals = wb["À apporter"]
    assert plain(totals["A1"].value) == "Ferme des Trois Chênes — Vente de décembre — vendredi 11 décembre 2026"
    header = [c.value for c in totals[3]]
    assert header[:3] == ["Produit", "Libellé", "Quantité"]
    rows = [[c.value for c in r] for r in totals.iter_rows(min_row=4)]
    roast = next(r for r in rows if r[0] == "VIA1")
    assert roast[header.index("Quantité")] == 3 and roast[header.index("Montant")] == pytest.approx(59.40)
    assert roast[header.index("Poids (kg)")] == pytest.approx(3.6)
    assert totals.cell(4, header.index("Montant") + 1).number_format.endswith('"€"')
    assert rows[-1][0] == "Total" and rows[-1][header.index("Montant")].startswith("=SUM(")
    lines = wb["Par foyer"]
    header = [c.value for c in lines[3]]
    body = [[c.value for c in r] for r in lines.iter_rows(min_row=4)][:-1]
    assert sum(r[header.index("Montant")] for r in body) == pytest.approx(258.50)
    assert {r[header.index("Foyer")] for r in body} >= {"Garnier Élodie", "Benali Ahmed"}


def test_weighing_at_the_table_in_the_spreadsheet(dec, cat, config):
    wb = load_workbook(io.BytesIO(producer_spreadsheet(dec, cat, SALE, "VIAN", config).content))
    lines = wb["Par foyer"]
    header = [c.value for c in lines[3]]
    assert header[-2:] == ["Poids réel (kg)", "Montant réel"]
    row = next(r for r in lines.iter_rows(min_row=4) if r[header.index("Produit")].value == "VIA1")
    weight, amount = row[header.index("Poids réel (kg)")], row[header.index("Montant réel")]
    assert weight.value is None and amount.data_type == "f"
    assert amount.value == f'=IF({weight.coordinate}="","",ROUND({weight.coordinate}*K{weight.row},2))'
    assert amount.number_format.endswith('"€"')
    scale = [[c.value for c in r] for r in wb["Barème"].iter_rows(min_row=4)]
    roast = [r[3:] for r in scale if r[0] == "VIA1"]
    assert roast[0] == [pytest.approx(0.8), pytest.approx(13.20)] and roast[-1] == [pytest.approx(1.6),
                                                                                     pytest.approx(26.40)]
    assert "Barème" not in load_workbook(io.BytesIO(producer_spreadsheet(dec, cat, SALE, "FOUR", config)
                                                    .content)).sheetnames, "nothing sold by weight"


def test_weighing_at_the_table_in_the_pdf(dec, cat, config):
    text = flat(text_of(producer_pdf(dec, cat, SALE, "VIAN", config).content))
    assert "Barème des produits au poids" in text
    assert "Rôti de porc la pièce (1,2 kg environ) — 16,50 €/kg, env. 1,2 kg la pièce" in text
    assert "0,8 kg 0,9 kg 1 kg 1,1 kg 1,2 kg 1,3 kg 1,4 kg 1,5 kg 1,6 kg" in text
    assert "13,20 € 14,85 € 16,50 € 18,15 € 19,80 € 21,45 € 23,10 € 24,75 € 26,40 €" in text
    assert "16,50 €/kg" in text and "réel : ______ kg" in text and "réel : ______ €" in text
    bread = flat(text_of(producer_pdf(dec, cat, SALE, "FOUR", config).content))
    assert "Barème" not in bread and "réel :" not in bread


@pytest.mark.parametrize(("average", "price", "first", "last", "step"), [
    ("1.2", "16.50", ("0.8", "13.20"), ("1.6", "26.40"), "0.1"),
    ("0.6", "14", ("0.40", "5.60"), ("0.80", "11.20"), "0.05"),
    ("5", "17", ("3.5", "59.50"), ("6.5", "110.50"), "0.5"),
    ("0.25", "30", ("0.16", "4.80"), ("0.34", "10.20"), "0.02"),
    ("1.318", "16.50", ("0.9", "14.85"), ("1.8", "29.70"), "0.1"),
])
def test_the_ready_reckoner_covers_70_to_130_percent_in_round_steps(average, price, first, last, step):
    from itertools import pairwise

    from sync.lists.tables import RECKONER_ROWS, reckoner

    rows = reckoner("X", "x", Decimal(price), Decimal(average)).rows
    assert (rows[0], rows[-1]) == ((Decimal(first[0]), Decimal(first[1])), (Decimal(last[0]), Decimal(last[1])))
    assert len(rows) <= RECKONER_ROWS and all(b[0] - a[0] == Decimal(step) for a, b in pairwise(rows))
    assert rows[0][0] <= Decimal(average) * Decimal("0.7") and rows[-1][0] >= Decimal(average) * Decimal("1.3")


def test_csv_for_french_excel_when_the_producer_asks_for_it(dec, cat, config):
    producers = cat.producers.copy()
    producers.loc[producers["code"] == "VIAN", "list_format"] = "csv"
    chosen = type(cat)(producers, cat.products, cat.sales, [])
    doc = producer_spreadsheet(dec, chosen, SALE, "VIAN", config)
    assert doc.filename.endswith(".csv") and doc.mimetype == "text/csv"
    assert doc.content.startswith(b"\xef\xbb\xbf")  # the BOM French Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(doc.content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:3] == ["Vente", "Foyer", "Email"]
    elodie = [r for r in rows[1:] if r[1] == "Garnier Élodie"]
    assert [r[header.index("Montant")] for r in elodie] == ["39,60", "8,40"]
    assert elodie[0][header.index("Poids (kg)")] == "2,4"
    assert sum(Decimal(r[header.index("Montant")].replace(",", ".")) for r in rows[1:]) == Decimal("258.50")
    # the config default applies to producers who say nothing
    csv_default = from_dict({"lists": {"format": "csv"}})
    assert producer_spreadsheet(dec, cat, SALE, "FOUR", csv_default).filename.endswith(".csv")


def test_csv_cells_are_never_formulas(cat, config):
    b = book({SALE: {"x@example.org": {"PAIN1": 1}}}, cat)
    b.households.loc[:, "last_name"] = "=HYPERLINK(\"http://evil\")"
    b.households.loc[:, "first_name"] = ""
    producers = cat.producers.copy()
    producers["list_format"] = "csv"
    doc = producer_spreadsheet(b, type(cat)(producers, cat.products, cat.sales, []), SALE, "FOUR", config)
    assert "'=HYPERLINK" in doc.content.decode("utf-8-sig")
    xlsx = producer_spreadsheet(b, cat, SALE, "FOUR", config)
    ws = load_workbook(io.BytesIO(xlsx.content))["Par foyer"]
    assert ws["B4"].data_type == "s" and ws["B4"].value == '=HYPERLINK("http://evil")'
    assert ws.cell(5, LINE_HEADER.index("Montant") + 1).data_type == "f"  # the tool's own total is a formula


def test_documents_for_the_mail(dec, cat, config):
    docs = producer_documents(dec, cat, SALE, "MIEL", config)
    assert [d.filename for d in docs] == ["liste-2026-12-rucher-des-bruyeres.pdf",
                                          "liste-2026-12-rucher-des-bruyeres.xlsx",
                                          "encaissement-2026-12-rucher-des-bruyeres.pdf"]
    two = book({SALE: {"x@example.org": {"PAIN1": 1, "MIE1": 1}}}, cat)
    coordinator = coordinator_documents(two, cat, SALE, config)
    # the sign-off sheet and every producer's collection sheet
    assert [d.filename for d in coordinator] == ["emargement-2026-12.pdf",
                                                 "encaissement-2026-12-le-fournil-des-vignes.pdf",
                                                 "encaissement-2026-12-rucher-des-bruyeres.pdf"]


def test_a_producer_without_orders_gets_a_clear_page(dec, cat, config):
    text = flat(text_of(producer_pdf(dec, cat, "2026-11", "BIER", config).content))
    assert "Aucune commande pour vous dans cette vente." in text


def test_the_coordinator_can_override_a_template(tmp_path, dec, cat):
    folder = tmp_path / "mes-modeles" / "lists"
    folder.mkdir(parents=True)
    (folder / "collection.html.j2").write_text(
        '{% extends "lists/base.html.j2" %}{% block title %}Caisse{% endblock %}'
        "{% block content %}<h1>Caisse de {{ producer.name }}</h1>"
        "{% for r in rows %}<p>{{ r.sort_name }} : {{ r.amount | money }}</p>{% endfor %}{% endblock %}",
        encoding="utf-8")
    config = from_dict({"templates": {"folder": "mes-modeles"}}, base_dir=tmp_path)
    text = flat(text_of(collection_pdf(dec, cat, SALE, "OEUF", config).content))
    assert "Caisse de Les Poules de Varennes" in text and "Ducloux Martine : 4,20 €" in text
    # the others still come from the built-in templates
    assert "À apporter" in flat(text_of(producer_pdf(dec, cat, SALE, "OEUF", config).content))


def test_a_broken_template_is_a_clear_french_error(tmp_path, dec, cat):
    folder = tmp_path / "modeles" / "lists"
    folder.mkdir(parents=True)
    (folder / "sign_off.html.j2").write_text("{% for r in rows %}{{ r.nom }}{% endfor %}", encoding="utf-8")
    (folder / "collection.html.j2").write_text("{% for r in rows %}", encoding="utf-8")
    config = from_dict({"templates": {"folder": "modeles"}}, base_dir=tmp_path)
    with pytest.raises(DocumentError, match="donnée inconnue"):
        sign_off_pdf(dec, cat, SALE, config)
    with pytest.raises(DocumentError, match="mal écrit"):
        collection_pdf(dec, cat, SALE, "OEUF", config)


def test_file_names_are_safe():
    assert slug("Les Jardins de la Fontaine") == "les-jardins-de-la-fontaine"
    assert slug("../../etc/passwd") == "etc-passwd"
    assert slug("Œufs & Cie / Noël") == "oeufs-cie-noel"
    assert slug("???", "FOUR") == "FOUR"


@pytest.mark.parametrize("name", ["=1+1", "+33 6 12", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_every_start_of_a_formula_is_neutralised_in_csv_and_kept_as_text_in_xlsx(cat, config, name):
    b = book({SALE: {"x@example.org": {"PAIN1": 1}}}, cat)
    b.households.loc[:, "last_name"] = name
    b.households.loc[:, "first_name"] = ""
    producers = cat.producers.copy()
    producers["list_format"] = "csv"
    doc = producer_spreadsheet(b, type(cat)(producers, cat.products, cat.sales, []), SALE, "FOUR", config)
    rows = list(csv.reader(io.StringIO(doc.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][1] == "'" + name
    xlsx = producer_spreadsheet(b, cat, SALE, "FOUR", config)
    cell = load_workbook(io.BytesIO(xlsx.content))["Par foyer"]["B4"]
    assert cell.data_type == "s" and cell.quotePrefix  # editing it in Excel keeps it text
