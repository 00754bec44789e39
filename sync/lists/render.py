"""The edge: the tables of ``tables`` and ``sign_off`` turned into bytes a person opens or prints.

PDFs are rendered from the Jinja2 templates in ``templates/lists/`` (which the coordinator can
override, see ``sync/templating.py``) by xhtml2pdf: HTML and CSS in, A4 PDF out, pure Python wheels
(reportlab underneath), whose built-in fonts cover French text, « € » and « Œ ». Spreadsheets are
written with openpyxl (``.xlsx``) or as CSV the way French Excel opens it (UTF-8 with BOM, ``;``
between cells, decimal comma). Every function returns a ``Document``: a file name that is safe
on any system (never built from raw user text) and the bytes.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import jinja2
import pandas as pd

from .. import formulas
from ..catalogue import Catalogue
from ..config import Config
from ..errors import PaniersError
from ..french import NBSP, NNBSP, plain, plural, typography, typography_html
from ..orderbook import OrderBook
from ..sheet import INTEGER, MONEY, TEXT, WEIGHT
from ..stores import formats
from ..templating import environment
from ..values import fold, long_date, money, number
from . import tables
from .tables import ProducerList, SaleInfo, Statement

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"


class DocumentError(PaniersError):
    """A printable document cannot be made (most often: a template adapted by hand has a mistake)."""


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    mimetype: str


def slug(text: str, fallback: str = "document") -> str:
    """« Les Jardins de la Fontaine » → « les-jardins-de-la-fontaine »: a file name part, ASCII only."""
    text = fold(text).replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:50].strip("-") or fallback


def kg(value: Decimal | None) -> str:
    """1,25 kg (three decimals at most, no trailing zeros)."""
    if value is None:
        return ""
    rounded = Decimal(value).quantize(Decimal("0.001")).normalize()
    return f"{number(rounded)}\u00a0kg"


def pdf_money(amount) -> str:
    """12,50 € as ``values.money`` writes it, with the thousands separator made a plain non-breaking
    space: the PDF engine breaks lines at the narrow one (« 1 » / « 263,10 € » in a narrow column)."""
    return money(amount).replace("\u202f", "\u00a0")


def _env(config: Config | None) -> jinja2.Environment:
    env = environment(config)
    env.filters["kg"] = kg
    env.filters["money"] = pdf_money
    return env


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records")


def _base_context(config: Config | None, sale: SaleInfo, now: datetime | None) -> dict:
    return {
        "group": config.group.name if config is not None else "",
        "sale": sale,
        "printed_at": now,
    }


def render_html(template: str, context: dict, config: Config | None) -> str:
    """The document's HTML with French spacing (sync/french.py), applied here once for every PDF. The PDF engine
    breaks lines at a narrow no-break space (U+202F) as at a space and its fonts lack the glyph: documents use the
    no-break space (U+00A0), which it keeps whole, wherever a screen gets the narrow one."""
    try:
        return typography_html(_env(config).get_template(template).render(**context)).replace(NNBSP, NBSP)
    except jinja2.TemplateNotFound as exc:
        raise DocumentError(f"modèle introuvable : {exc.name} (ni dans votre dossier de modèles, ni dans "
                            "les modèles fournis)") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise DocumentError(f"le modèle {exc.filename or template} est mal écrit, ligne {exc.lineno} : "
                            f"{exc.message}") from exc
    except jinja2.UndefinedError as exc:
        raise DocumentError(f"le modèle {template} utilise une donnée inconnue ({exc.message}) : vérifiez "
                            "l'orthographe des {{ … }} que vous avez modifiés") from exc


def html_to_pdf(html: str, what: str = "document") -> bytes:
    from xhtml2pdf import pisa  # imported here: it is slow to import and only the printable lists need it

    logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if result.err:
        raise DocumentError(f"impossible de fabriquer le PDF « {what} » : le modèle HTML contient "
                            f"{plural(result.err, 'erreur')}")
    return out.getvalue()


def _pdf(template: str, context: dict, config: Config | None, filename: str) -> Document:
    return Document(filename, html_to_pdf(render_html(template, context, config), filename), PDF)


# --- the context each template receives ----------------------------------------------------------

def producer_context(plist: ProducerList) -> dict:
    return {
        "producer": plist.producer,
        "products": _records(plist.products),
        "households": [
            {"name": b.name, "sort_name": b.sort_name, "email": b.email, "phone": b.phone,
             "lines": _records(b.lines), "amount": b.amount, "estimated": b.estimated}
            for b in plist.households
        ],
        "total": plist.total,
        "estimated": plist.estimated,
        "any_by_weight": bool(plist.lines["by_weight"].any()) if not plist.lines.empty else False,
        "reckoners": [{"product": r.product, "label": r.label, "unit_price": r.unit_price, "avg_weight": r.avg_weight,
                       "rows": r.rows} for r in plist.reckoners],
    }


def statement_context(statement: Statement) -> dict:
    return {
        "name": statement.name, "email": statement.email, "phone": statement.phone,
        "parts": [{"producer": p.producer, "lines": _records(p.lines), "amount": p.amount, "estimated": p.estimated}
                  for p in statement.parts],
        "total": statement.total, "estimated": statement.estimated, "cheques": statement.cheques,
        "cash_only": statement.cash_only,
    }


# --- PDFs -----------------------------------------------------------------------------------------

def producer_pdf(book: OrderBook, catalogue: Catalogue, sale_code: str, producer_code: str,
                 config: Config | None = None, now: datetime | None = None) -> Document:
    """A producer's list for a sale: what to bring, then what to hand over and collect, household by household."""
    plist = tables.producer_list(book, catalogue, sale_code, producer_code)
    context = {**_base_context(config, plist.sale, now), **producer_context(plist)}
    return _pdf("lists/producer.html.j2", context, config,
                f"liste-{slug(sale_code)}-{slug(plist.producer.name, slug(producer_code))}.pdf")


def collection_pdf(book: OrderBook, catalogue: Catalogue, sale_code: str, producer_code: str,
                   config: Config | None = None, now: datetime | None = None) -> Document:
    """A producer's collection sheet: each household, the amount due, boxes for « payé » and the cheque number."""
    producer = tables.producer_info(catalogue, producer_code)
    sheet = tables.collection_sheet(book, sale_code, producer_code)
    context = {
        **_base_context(config, tables.sale_info(catalogue, sale_code), now),
        "producer": producer,
        "rows": _records(sheet),
        "total": sum((Decimal(a) for a in sheet["amount"]), Decimal(0)),
        "estimated": bool(sheet["estimated"].any()) if not sheet.empty else False,
    }
    return _pdf("lists/collection.html.j2", context, config,
                f"encaissement-{slug(sale_code)}-{slug(producer.name, slug(producer_code))}.pdf")


def sign_off_context(book: OrderBook, catalogue: Catalogue, sale_code: str) -> dict:
    """The printed sign-off sheet: one row per household (alphabetical), an amount per producer."""
    lines = tables.sale_lines(book, sale_code)
    codes = tables.producers_in_sale(book, catalogue, sale_code)
    producers = [tables.producer_info(catalogue, c) for c in codes]
    rows = []
    for email, group in lines.groupby("email", sort=False):
        first = group.iloc[0]
        amounts, estimated = [], []
        for code in codes:
            mine = group[group["producer"] == code]
            amounts.append(sum((Decimal(a) for a in mine["amount"]), Decimal(0)) if not mine.empty else None)
            estimated.append(bool(mine["estimated"].any()) if not mine.empty else False)
        rows.append({"name": first["name"], "sort_name": first["sort_name"], "email": email, "phone": first["phone"],
                     "amounts": amounts, "estimated": estimated,
                     "total": sum((a for a in amounts if a is not None), Decimal(0)), "any_estimated": any(estimated)})
    totals = [sum((r["amounts"][i] or Decimal(0) for r in rows), Decimal(0)) for i in range(len(codes))]
    totals_estimated = [any(r["estimated"][i] for r in rows) for i in range(len(codes))]
    return {"producers": producers, "rows": rows, "totals": totals, "totals_estimated": totals_estimated,
            "total": sum(totals, Decimal(0)), "estimated": any(r["any_estimated"] for r in rows)}


def sign_off_pdf(book: OrderBook, catalogue: Catalogue, sale_code: str, config: Config | None = None,
                 now: datetime | None = None) -> Document:
    """The distribution's sign-off sheet (A4 landscape): alphabetical, amount per producer, paid, signature."""
    context = {**_base_context(config, tables.sale_info(catalogue, sale_code), now),
               **sign_off_context(book, catalogue, sale_code)}
    return _pdf("lists/sign_off.html.j2", context, config, f"emargement-{slug(sale_code)}.pdf")


def statements_pdf(book: OrderBook, catalogue: Catalogue, sale_code: str, emails: list[str] | None = None,
                   config: Config | None = None, now: datetime | None = None) -> Document:
    """Households' statements, one page each (all households of the sale by default): what each pays to
    whom and how. For households without e-mail, or to slip into their bags."""
    emails = tables.households_in_sale(book, sale_code) if emails is None else emails
    statements = [tables.household_statement(book, catalogue, sale_code, e) for e in emails]
    context = {**_base_context(config, tables.sale_info(catalogue, sale_code), now),
               "statements": [statement_context(s) for s in statements]}
    name = f"recapitulatif-{slug(sale_code)}-{slug(statements[0].name)}.pdf" if len(statements) == 1 \
        else f"recapitulatifs-foyers-{slug(sale_code)}.pdf"
    return _pdf("lists/statements.html.j2", context, config, name)


def household_pdf(book: OrderBook, catalogue: Catalogue, sale_code: str, email: str,
                  config: Config | None = None, now: datetime | None = None) -> Document:
    """One household's statement as a PDF (an attachment to its confirmation, if wanted)."""
    return statements_pdf(book, catalogue, sale_code, [email], config, now)


# --- spreadsheets ---------------------------------------------------------------------------------

LINE_HEADER = ["Vente", "Foyer", "Email", "Téléphone", "Produit", "Libellé", "Quantité", "Au poids",
               "Poids (kg)", "Poids pesé", "Prix unitaire", "Montant", "Estimé", "Poids réel (kg)", "Montant réel"]
RECKONER_HEADER = ["Produit", "Libellé", "Prix au kg", "Poids (kg)", "Prix"]
PRODUCT_HEADER = ["Produit", "Libellé", "Quantité", "Foyers", "Au poids", "Poids (kg)", "Prix unitaire",
                  "Montant", "Estimé"]


def _line_rows(plist: ProducerList) -> list[list]:
    return [[plist.sale.code, r["sort_name"], r["email"], r["phone"], r["product"], r["label"], r["quantity"],
             "oui" if r["by_weight"] else "non", r["weight"], "oui" if r["weighed"] else "",
             r["unit_price"], r["amount"], "oui" if r["estimated"] else "non", None, None]
            for r in _records(plist.lines)]


def _reckoner_rows(plist: ProducerList) -> list[list]:
    return [[r.product, r.label, r.unit_price, weight, price] for r in plist.reckoners for weight, price in r.rows]


def _product_rows(plist: ProducerList) -> list[list]:
    return [[r["product"], r["label"], r["quantity"], r["households"], "oui" if r["by_weight"] else "non",
             r["weight"], r["unit_price"], r["amount"], "oui" if r["estimated"] else "non"]
            for r in _records(plist.products)]


def _csv_cell(value) -> str:
    """French Excel reads « 4,50 » as a number; text that looks like a formula is neutralised
    (``formulas.csv_text``) so that a name typed in a form is never taken for one.

    Text is written as it was typed, without the French spacing the .xlsx gets: a CSV has no layout for a
    no-break space to protect (no column width, no wrapping), it is what a producer imports into their own tools
    and searches or matches (« 1 kg » typed on a keyboard must find « 1 kg »), and the narrow no-break space
    (U+202F) does not exist in Windows-1252, which an import that ignores the BOM reads it as (« â€¯ »). Text the
    tool made with no-break spaces (a duration, « 2 jours ») gets ordinary ones (``french.plain``)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        if value.as_tuple().exponent == -2:  # an amount, to the cent: 39,60
            return f"{value:.2f}".replace(".", ",")
        return f"{value.quantize(Decimal('0.001')).normalize():f}".replace(".", ",")  # a weight: 2,4
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return formulas.csv_text(plain(str(value)))


def producer_csv(plist: ProducerList) -> bytes:
    """The producer's lines, one row per household and product: UTF-8 with BOM, ``;``, decimal comma."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(LINE_HEADER)
    for row in _line_rows(plist):
        writer.writerow([_csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


# How each column of the spreadsheet is shown, by its header, with the workbook's tabs' formats
# (``stores/formats.py``: « 4,50 € », « 3 », « 2,432 »); a column not named here is text, left as written.
KINDS = {"Quantité": INTEGER, "Foyers": INTEGER, "Poids (kg)": WEIGHT, "Poids réel (kg)": WEIGHT,
         "Prix unitaire": MONEY, "Montant": MONEY, "Montant réel": MONEY, "Prix au kg": MONEY, "Prix": MONEY}
# The text of the .xlsx a person reads, typeset the French way (``french.typography``: « 1,2 kg », « ? »), with
# the heading and the header; codes (Vente, Produit), e-mails, phones and « oui »/« non » stay as they are.
TYPESET = {"Foyer", "Libellé"}


def xlsx_row(row: list, header: list[str], typeset: set[str]) -> list:
    """A row of an .xlsx the tool writes: the text of ``typeset`` columns in French typography (only text: a
    number is never made text); other cells as they are."""
    return [typography(v) if type(v) is str and h in typeset else v for v, h in zip(row, header, strict=True)]


def _sheet(wb, title: str, heading: str, header: list[str], rows: list[list], total_of: str | None,
           first: bool = False):
    """A sheet: the heading (row 1), the header (row 3) and the rows, formatted like the workbook's tabs
    (``formats.style_sheet``), a total of ``total_of`` under them."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    kinds = [KINDS.get(name, TEXT) for name in header]
    bold, thin = Font(bold=True), Side(style="thin", color="888888")
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append([typography(heading)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    ws.append([typography(name) for name in header])
    typed = formats.typed([header, *rows], kinds)[1:]  # amounts as numbers, quantities whole
    for row in typed:
        ws.append(xlsx_row(row, header, TYPESET))
        for cell in ws[ws.max_row]:
            formulas.as_text(cell)  # people's text stays text: openpyxl would write it as a formula
    last = ws.max_row
    if total_of and rows:
        col = header.index(total_of) + 1
        letter = get_column_letter(col)
        total_row: list = [None] * len(header)
        total_row[0] = "Total"
        total_row[col - 1] = f"=SUM({letter}4:{letter}{last})"
        ws.append(total_row)
        for cell in ws[ws.max_row]:
            cell.font = bold
            cell.border = Border(top=thin)
    formats.style_sheet(ws, kinds, header_row=3)  # number formats, widths, bold header frozen under the heading
    if total_of and rows:  # a formula does not count for the width: its column fits the total it shows
        total = sum(r[col - 1] for r in typed if isinstance(r[col - 1], (int, float)))
        fits = formats.widths([[None], [total]], [MONEY])[0]
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width, fits)
    for cell in ws[3]:
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
        cell.border = Border(bottom=thin)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "3:3"
    return ws


def producer_xlsx(plist: ProducerList) -> bytes:
    """« À apporter » (totals per product), « Par foyer » (one row per household and product, with blanks
    for the real weight, the amount worked out from it) and, with products sold by weight, « Barème »."""
    from openpyxl import Workbook  # only when a list is drawn: importing it costs a third of a second
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    when = f" — {tables_date(plist.sale)}" if plist.sale.distribution else ""
    heading = f"{plist.producer.name} — {plist.sale.title}{when}"
    _sheet(wb, "À apporter", heading, PRODUCT_HEADER, _product_rows(plist), "Montant", first=True)
    lines = _sheet(wb, "Par foyer", heading, LINE_HEADER, _line_rows(plist), "Montant")
    # at the table, the producer types the real weight of a line sold by weight: its amount is worked out
    weight, price, amount = (get_column_letter(LINE_HEADER.index(c) + 1)
                             for c in ("Poids réel (kg)", "Prix unitaire", "Montant réel"))
    for offset, line in enumerate(_records(plist.lines)):
        if line["by_weight"] and not line["weighed"]:
            row = 4 + offset
            lines[f"{amount}{row}"] = f'=IF({weight}{row}="","",ROUND({weight}{row}*{price}{row},2))'
    if plist.reckoners:
        _sheet(wb, "Barème", heading, RECKONER_HEADER, _reckoner_rows(plist), None)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def tables_date(sale: SaleInfo) -> str:
    return long_date(sale.distribution) if sale.distribution else ""


def list_format(producer: tables.ProducerInfo, config: Config | None) -> str:
    """The producer's choice in Producteurs, else ``[lists] format``."""
    return producer.list_format or (config.lists.format if config is not None else "xlsx")


def producer_spreadsheet(book: OrderBook, catalogue: Catalogue, sale_code: str, producer_code: str,
                         config: Config | None = None, fmt: str | None = None) -> Document:
    """The producer's list as a spreadsheet, in the format they chose (``Format liste``) or the default."""
    plist = tables.producer_list(book, catalogue, sale_code, producer_code)
    chosen = fmt or list_format(plist.producer, config)
    base = f"liste-{slug(sale_code)}-{slug(plist.producer.name, slug(producer_code))}"
    if chosen == "csv":
        return Document(base + ".csv", producer_csv(plist), CSV)
    return Document(base + ".xlsx", producer_xlsx(plist), XLSX)


def producer_documents(book: OrderBook, catalogue: Catalogue, sale_code: str, producer_code: str,
                       config: Config | None = None, now: datetime | None = None) -> list[Document]:
    """What a producer receives at closing: the list (PDF), the same as a spreadsheet, the collection sheet."""
    return [
        producer_pdf(book, catalogue, sale_code, producer_code, config, now),
        producer_spreadsheet(book, catalogue, sale_code, producer_code, config),
        collection_pdf(book, catalogue, sale_code, producer_code, config, now),
    ]


def coordinator_documents(book: OrderBook, catalogue: Catalogue, sale_code: str, config: Config | None = None,
                          now: datetime | None = None) -> list[Document]:
    """What the coordinator receives at closing: the sign-off sheet and every producer's collection sheet."""
    docs = [sign_off_pdf(book, catalogue, sale_code, config, now)]
    for code in tables.producers_in_sale(book, catalogue, sale_code):
        docs.append(collection_pdf(book, catalogue, sale_code, code, config, now))
    return docs
