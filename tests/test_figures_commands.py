"""``paniers report`` and ``paniers plan`` from an order book: the files they write and what they print."""

from __future__ import annotations

import base64
import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from fakes import history as history_fakes
from fakes.history import BookBuilder, at
from PIL import Image
from plain import into, plain

from sync.commands import Context, plan, report
from sync.errors import UsageError
from sync.stores import MemoryStore


@pytest.fixture
def cat():
    return history_fakes.small_catalogue()


@pytest.fixture
def book(cat):
    return history_fakes.small_book(cat)


@pytest.fixture
def run(config, output):
    def context(now=history_fakes.SMALL_NOW):
        return Context(config, MemoryStore({}), now, into(output))
    return context


# --- report -----------------------------------------------------------------------------------

def test_report_writes_one_html_page_with_its_charts(run, book, cat, config, output):
    assert report.run_with_book(run(), book, cat, sale="2026-11") == 0
    path = config.base_dir / "bilan-2026-11.html"
    html = plain(path.read_text(encoding="utf-8"))
    assert "<h1>Bilan de la vente « Vente de novembre »</h1>" in html
    assert "Distribution du vendredi 13 novembre 2026" in html
    assert '<span class="n">3</span> foyers' in html and "dont 1 nouveau et 2 fidèles" in html
    assert "<span class=\"up\">+1 (+50 %)</span>" in html
    assert "<td>Brioche</td><td>Le Fournil</td>" in html and "en 1 heure et 14 min" in html
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"\s+width="600"\s+height="(\d+)"', html)
    assert len(images) == 2
    for data, height in images:
        picture = Image.open(io.BytesIO(base64.b64decode(data)))
        assert picture.size == (1200, 2 * int(height))  # drawn at twice the pixels, for print
    assert output[0] == f"Bilan de la vente « Vente de novembre » (2026-11) : {path}"
    assert output[1] == "  3 foyers dont 1 nouveau, chiffre d'affaires 39,90 €."


def test_report_defaults_to_the_latest_distributed_sale(run, book, cat, config, output):
    # on 12 November the November sale is closed but not yet distributed: the report is February's
    report.run_with_book(run(at("2026-11-12 22:00")), book, cat)
    assert (config.base_dir / "bilan-2026-02.html").exists()
    assert "Aucune commande pour cette vente." in (config.base_dir / "bilan-2026-02.html").read_text()


def test_report_to_a_chosen_file(run, book, cat, tmp_path):
    out = tmp_path / "rapports" / "novembre.html"
    report.run_with_book(run(), book, cat, sale="2026-11", out=out)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_escapes_what_people_typed(run, cat, config):
    book = BookBuilder(cat)
    for code in ("2025-11", "2025-12", "2026-01"):
        book.order(code, "x@example.org", {"PAIN": 1}, name="<script>alert(1)</script>")
    report.run_with_book(run(at("2026-12-12 10:00")), book.build(), cat, sale="2026-11")
    html = (config.base_dir / "bilan-2026-11.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Foyers à recontacter" in html and "x@example.org" in html


@pytest.mark.parametrize(("sale", "message"), [
    ("2026-12", "La vente 2026-12 n'est pas encore ouverte"),
    ("2030-01", "Vente inconnue : 2030-01. Dernières ventes : 2025-11, 2025-12, 2025-NOEL, 2026-01, 2026-02, "
                "2026-11."),
])
def test_report_of_a_sale_it_cannot_show(run, book, cat, sale, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        report.run_with_book(run(), book, cat, sale=sale)


def test_a_sale_code_never_chooses_a_folder():
    assert report.safe_name("../../etc/passwd") == "etc_passwd"
    assert report.safe_name("2026-NOEL") == "2026-NOEL"
    assert report.safe_name("///") == "vente"


# --- plan -------------------------------------------------------------------------------------

def test_plan_like_prints_a_table_per_producer(run, book, cat, output):
    assert plan.run_with_book(run(), book, cat, like="2025-12") == 0
    assert output[0] == "Préparer une vente d'après « Vente de décembre » (2025-12, distribution du vendredi " \
                        "12 décembre 2025)."
    text = "\n".join(output)
    assert "\nLe Fournil\n" in text and "\nLes Jardins\n" in text
    brioche = next(line for line in output if line.strip().startswith("BRIO "))
    assert brioche.split() == ["BRIO", "Brioche", "4", "3", "2", "3", "en", "1", "heure", "et", "14", "min"]
    assert "Total : 6 demandés, 5 servis, 37,50 € ; 1 produit épuisé." in output


def test_plan_for_a_sale_uses_last_years(run, book, cat, output, tmp_path):
    out = tmp_path / "noel.csv"
    plan.run_with_book(run(), book, cat, sale="2026-12", out=out)
    assert output[0].startswith("Préparer la vente 2026-12 d'après « Vente de décembre » (2025-12,")
    assert any("Proposé" in line for line in output)
    rows = list(csv.reader(io.StringIO(plain(out.read_text(encoding="utf-8-sig"))), delimiter=";"))
    assert rows[0] == ["Producteur", "Code", "Produit", "Demandé", "Servi", "Foyers", "Montant (€)", "Stock alors",
                       "Épuisé", "Épuisé en (heures)", "Épuisé en", "Stock actuel", "Proposé"]
    assert rows[1] == ["Le Fournil", "BRIO", "Brioche", "4", "3", "2", "18,00", "3", "oui", "1,2", "1 heure et 14 min",
                       "3", "oui"]
    assert output[-1] == f"Tableau enregistré : {out}"


def test_plan_to_a_workbook(run, book, cat, tmp_path):
    out = tmp_path / "plan.xlsx"
    plan.run_with_book(run(), book, cat, like="2025-12", out=out)
    sheet = openpyxl.load_workbook(out).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert sheet.title == "Préparation"
    assert rows[1][:7] == ["Le Fournil", "BRIO", "Brioche", 4, 3, 2, 18]
    assert [r[1] for r in rows[1:]] == ["BRIO", "PAIN", "LEG"]


def test_plan_workbook_reads_like_the_workbook_s_tabs(run, book, cat, tmp_path):
    """Formatted as the tabs are (sync/stores/formats.py): numbers a producer can sum, shown « 18,00 € » and « 4 »,
    columns as wide as what they hold, the header bold and frozen, French spacing in the labels."""
    out = tmp_path / "plan.xlsx"
    plan.run_with_book(run(), book, cat, like="2025-12", out=out)
    sheet = openpyxl.load_workbook(out).active
    assert sheet.freeze_panes == "A2" and all(c.font.bold for c in sheet[1])
    column = {c.value: c.column for c in sheet[1]}
    brioche = {name: sheet.cell(2, c) for name, c in column.items()}
    for name in ("Demandé", "Servi", "Foyers", "Stock alors", "Stock actuel"):
        assert type(brioche[name].value) is int and brioche[name].number_format == "0", name
    assert brioche["Montant (€)"].value == 18 and brioche["Montant (€)"].number_format == '#,##0.00 "€"'
    assert brioche["Code"].number_format == "General" and brioche["Code"].value == "BRIO"
    assert brioche["Épuisé en"].value == "1\u00a0heure et 14\u00a0min"
    pain = {name: sheet.cell(3, c).value for name, c in column.items()}
    assert pain["Produit"] == "Pain de campagne 1\u00a0kg"  # never « 1 » at a line's end and « kg » below
    widths = {name: sheet.column_dimensions[sheet.cell(1, c).column_letter].width for name, c in column.items()}
    assert all(8 <= w <= 62 for w in widths.values()), widths
    assert widths["Produit"] == len("Pain de campagne 1 kg") + 2 and widths["Code"] == 8
    assert widths["Épuisé en (heures)"] == len("Épuisé en (heures)") * 11 // 10 + 2  # the bold header fits


def test_plan_csv_keeps_the_text_as_typed(run, book, cat, tmp_path):
    out = tmp_path / "plan.csv"
    plan.run_with_book(run(), book, cat, like="2025-12", out=out)
    text = out.read_text(encoding="utf-8-sig")
    assert "Pain de campagne 1 kg" in text and "\u00a0" not in text and "\u202f" not in text


def test_plan_workbook_keeps_a_formula_looking_label_as_text(run, book, cat, tmp_path):
    book.lines.loc[book.lines["product"] == "BRIO", "label"] = "=1+1 ? brioche"
    out = tmp_path / "plan.xlsx"
    plan.run_with_book(run(), book, cat, like="2025-12", out=out)
    cell = openpyxl.load_workbook(out).active["C2"]
    assert cell.data_type == "s" and cell.quotePrefix and cell.value == "=1+1\u202f? brioche"


@pytest.mark.parametrize(("like", "sale", "out", "message"), [
    (None, None, None, "Indiquez la vente qui sert de modèle"),
    (None, "2026-01", None, "Pas de vente comparable l'an dernier pour 2026-01"),
    ("2026-12", None, None, "Vente modèle inconnue ou pas encore ouverte : 2026-12"),
    (None, "2031-05", None, "Vente inconnue : 2031-05"),
    ("2025-12", None, "plan.pdf", "choisissez un fichier .xlsx ou .csv"),
])
def test_plan_says_what_it_needs(run, book, cat, like, sale, out, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        plan.run_with_book(run(), book, cat, like=like, sale=sale, out=Path(out) if out else None)


def test_plan_of_a_sale_with_no_orders(run, book, cat, output):
    plan.run_with_book(run(), book, cat, like="2026-02")
    assert output[-1] == "Aucune commande dans cette vente : rien à reprendre."
