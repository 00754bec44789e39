"""``paniers plan --like CODE [--sale CODE] [--out FICHIER.xlsx|.csv]``: prepare a sale from a past one.

Per product of the model sale: how much was asked and served, by how many households, the stock it
had and, when it sold out, how long after the opening, so each producer can size their stock. With
``--sale`` alone, the model is the comparable sale a year before (same month, or the previous Noël or
Pâques). ``run`` reads the workbook once and builds the order book as every job does (``refresh``);
``run_with_book`` does the work from that book and the catalogue. Nothing is written to the workbook.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import figures, formulas, snapshot
from ..catalogue import Catalogue
from ..errors import UsageError
from ..french import plain, typography
from ..orderbook import OrderBook
from ..refresh import refresh
from ..sheet import INTEGER, MONEY, TEXT
from ..stores import formats
from ..values import long_date, money, number
from . import Context

LABEL_WIDTH = 38
# How the table's columns are shown in the .xlsx, with the workbook's tabs' formats (``stores/formats.py``); the
# others are text, or a plain number (« Épuisé en (heures) »: 1,2).
KINDS = {"Demandé": INTEGER, "Servi": INTEGER, "Foyers": INTEGER, "Montant (€)": MONEY, "Stock alors": INTEGER,
         "Stock actuel": INTEGER}
# The text a person reads, typeset the French way in the .xlsx (« 1 kg », « 14 min »); codes stay as they are.
TYPESET = {"Producteur", "Produit", "Épuisé en"}


def run(ctx: Context, like: str | None = None, sale: str | None = None, out: Path | None = None) -> int:
    result = refresh(snapshot.read(ctx.store, ctx.config), ctx.config, ctx.now)
    return run_with_book(ctx, result.book, result.catalogue, like, sale, out)


def run_with_book(ctx: Context, book: OrderBook, catalogue: Catalogue, like: str | None = None,
                  sale: str | None = None, out: Path | None = None) -> int:
    if out is not None and Path(out).suffix.lower() not in (".xlsx", ".csv"):
        raise UsageError(f"--out {out} : choisissez un fichier .xlsx ou .csv.")
    history = figures.History.build(book, catalogue, ctx.now)
    like, target = chosen_sales(history, like, sale)
    plan = history.plan(like, target=target)
    model = history.calendar.loc[like]
    ctx.say(f"Préparer {'la vente ' + target if target else 'une vente'} d'après « {model['title']} » ({like}, "
            f"distribution du {long_date(model['distribution'])}).")
    if plan.empty:
        ctx.say("Aucune commande dans cette vente : rien à reprendre.")
        return 0
    for line in table(plan, target is not None):
        ctx.say(line)
    sold_out = int(plan["sold_out"].sum())
    ctx.say("")
    asked, served = number(int(plan["requested"].sum())), number(int(plan["allocated"].sum()))
    plural = "s" if sold_out > 1 else ""
    ctx.say(f"Total : {asked} demandés, {served} servis, {money(sum(plan['amount']))} ; "
            f"{sold_out} produit{plural} épuisé{plural}.")
    ctx.say("« Demandé » compte tout ce que les foyers ont demandé, même au-delà du stock : c'est la demande "
            "à prévoir. « Épuisé » : le temps entre l'ouverture des commandes et la commande qui a atteint "
            "le stock.")
    if out is not None:
        path = write(plan, Path(out), target is not None)
        ctx.say(f"Tableau enregistré : {path}")
    return 0


def chosen_sales(history: figures.History, like: str | None, sale: str | None) -> tuple[str, str | None]:
    """The model sale and the sale being prepared (if given), checked against the calendar."""
    target = sale.strip().upper() if sale else None
    if target is not None and target not in history.calendar.index:
        raise UsageError(f"Vente inconnue : {target}. Ajoutez-la d'abord dans l'onglet Ventes, ou ne donnez "
                         "que --like.")
    if like:
        code = like.strip().upper()
        if code not in history.sales.index:
            known = ", ".join(list(history.sales.index[-6:])) or "aucune"
            raise UsageError(f"Vente modèle inconnue ou pas encore ouverte : {code}. Dernières ventes : {known}.")
        return code, target
    if target is None:
        raise UsageError("Indiquez la vente qui sert de modèle (--like 2025-NOEL) ou celle à préparer "
                         "(--sale 2026-NOEL).")
    found = history.comparable(target)
    if found is None:
        raise UsageError(f"Pas de vente comparable l'an dernier pour {target} (même mois, ou précédente vente "
                         "de Noël ou de Pâques) : choisissez le modèle avec --like CODE.")
    return found, target


def _cell(text: str, width: int, right: bool = False) -> str:
    text = text if len(text) <= width else text[: width - 1] + "…"
    return text.rjust(width) if right else text.ljust(width)


def table(plan: pd.DataFrame, with_target: bool) -> list[str]:
    """The plan as lines of text, one block per producer; the code first (it is what the sheet uses)."""
    code_width = max(4, *(len(c) for c in plan["product"]))
    header = (f"  {'Code':<{code_width}}  {_cell('Produit', LABEL_WIDTH)} {'Demandé':>8} {'Servi':>6} {'Foyers':>7} "
              f"{'Stock':>6}  " + ("Proposé  " if with_target else "") + "Épuisé")
    lines = []
    for producer_name, rows in plan.groupby("producer_name", sort=False):
        lines += ["", str(producer_name), header]
        for row in rows.itertuples(index=False):
            stock = "–" if row.stock is None else str(row.stock)
            if row.after is not None:
                gone = "en " + figures.duration(row.after)
            elif row.sold_out:
                gone = "oui"
            else:
                gone = "–"
            offered = (("oui" if row.offered else "non").ljust(9)) if with_target else ""
            lines.append(f"  {row.product:<{code_width}}  {_cell(row.label, LABEL_WIDTH)} {row.requested:>8} "
                         f"{row.allocated:>6} {row.households:>7} {stock:>6}  {offered}{gone}")
    return lines


def frame(plan: pd.DataFrame, with_target: bool) -> pd.DataFrame:
    """The plan as a French table for a spreadsheet: numbers as numbers, one row per product."""
    columns = {
        "Producteur": plan["producer_name"],
        "Code": plan["product"],
        "Produit": plan["label"],
        "Demandé": plan["requested"].astype(int),
        "Servi": plan["allocated"].astype(int),
        "Foyers": plan["households"].astype(int),
        "Montant (€)": [float(a) for a in plan["amount"]],
        "Stock alors": pd.array(list(plan["stock"]), dtype="Int64"),
        "Épuisé": ["oui" if s else "non" for s in plan["sold_out"]],
        "Épuisé en (heures)": [round(a.total_seconds() / 3600, 1) if a is not None else None for a in plan["after"]],
        "Épuisé en": [figures.duration(a) if a is not None else "" for a in plan["after"]],
        "Stock actuel": pd.array(list(plan["current_stock"]), dtype="Int64"),
    }
    if with_target:
        columns["Proposé"] = ["oui" if o else "non" for o in plan["offered"]]
    return pd.DataFrame(columns)


def write(plan: pd.DataFrame, path: Path, with_target: bool) -> Path:
    """An .xlsx workbook, or a .csv the French way (semicolons, decimal commas, UTF-8 that Excel reads). A
    product or producer named like a formula (``=HYPERLINK(…)``) stays text in both (``sync/formulas.py``)."""
    table_ = frame(plan, with_target)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise UsageError(f"--out {path} : choisissez un fichier .xlsx ou .csv.")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        _write_xlsx(table_, path)
    else:
        # the text as typed, with ordinary spaces (render._csv_cell says why), before the amounts become text
        for column in table_.columns:
            table_[column] = [formulas.csv_text(plain(v)) if isinstance(v, str) else v for v in table_[column]]
        # amounts to the cent ("18,00"), like the sheet shows them; other decimals as they are ("1,2")
        table_["Montant (€)"] = [f"{a:.2f}".replace(".", ",") for a in table_["Montant (€)"]]
        table_.to_csv(path, index=False, sep=";", decimal=",", encoding="utf-8-sig")
    return path


def _write_xlsx(table_: pd.DataFrame, path: Path) -> None:
    """One sheet formatted like the workbook's tabs (``formats.style_sheet``: « 18,00 € », « 4 », widths that
    fit, the header bold and frozen), French spacing in the text people read; every cell through
    ``formulas.as_text`` (pandas' ``to_excel`` would write a name starting with ``=`` as a live formula)."""
    from openpyxl import Workbook

    from ..lists.render import xlsx_row

    header = list(table_.columns)
    kinds = [KINDS.get(name, TEXT) for name in header]
    rows = [[None if pd.isna(v) else v for v in row] for row in table_.astype(object).itertuples(index=False)]
    book = Workbook()
    sheet = book.active
    sheet.title = "Préparation"
    sheet.append([typography(name) for name in header])
    for row in formats.typed([header, *rows], kinds)[1:]:
        sheet.append(xlsx_row(row, header, TYPESET))
        for cell in sheet[sheet.max_row]:
            formulas.as_text(cell)
    formats.style_sheet(sheet, kinds)
    book.save(path)
