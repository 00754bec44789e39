"""The catalogue (producers, products) and the sales calendar, typed and checked.

Pure functions: tables as read from the sheet in, typed DataFrames and a list of problems out.
A row that cannot be used (no code, a duplicate code, unreadable dates) is reported and left out;
everything else goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

from . import problems as pb
from . import sheet
from .french import plural
from .sheet import ROW, Table
from .values import (
    Parsed,
    fold,
    parse_bool,
    parse_code,
    parse_codes,
    parse_count,
    parse_datetime,
    parse_email,
    parse_phone,
    parse_price,
    parse_text,
    parse_weight,
    show,
)

PRODUCER_COLUMNS = ["code", "name", "email", "phone", "payments", "cheque_payee", "active", "row",
                    "list_format"]  # "xlsx", "csv", or "" for the configured default
PRODUCT_COLUMNS = [
    "code", "producer", "name", "packaging", "price", "by_weight", "avg_weight", "stock", "category",
    "active", "sales", "description", "row",
]
SALE_COLUMNS = [
    "code", "title", "opens", "closes", "distribution", "distribution_end", "place", "special", "form_url",
    "message", "row",
]


@dataclass
class Catalogue:
    producers: pd.DataFrame
    products: pd.DataFrame
    sales: pd.DataFrame
    problems: list[pb.Problem] = field(default_factory=list)

    def sale(self, code: str) -> pd.Series | None:
        match = self.sales[self.sales["code"] == code]
        return None if match.empty else match.iloc[0]

    def offered(self, sale_code: str) -> pd.DataFrame:
        """Products on offer in a sale: active, of an active producer, listed for that sale (or for all)."""
        available = self.available()
        return available[available["sales"].map(lambda sales: listed_for(sales, sale_code)).astype(bool)]

    def available(self) -> pd.DataFrame:
        """Products that can be on offer at all: active, of an active producer. ``offered`` keeps those
        listed for the sale; a caller asking about many sales filters this once, then by ``listed_for``."""
        products = self.products
        active_producers = set(self.producers.loc[self.producers["active"], "code"])
        return products[products["active"] & products["producer"].isin(active_producers)]


def listed_for(sales: frozenset[str] | None, sale_code: str) -> bool:
    """Whether a product's ``Ventes`` cell (read as a set of codes, None when blank) lets it be sold in a sale."""
    return sales is None or sale_code in sales


class _Reader:
    """Reads one tab's cells, collecting a problem for each value that cannot be read."""

    def __init__(self, table: Table):
        self.table = table
        self.problems: list[pb.Problem] = []

    def get(self, record: dict, column: str, parser, *args, severity=pb.ERROR, **kwargs):
        raw = record.get(column)
        parsed = parser(raw, *args, **kwargs)
        if parsed.error:
            header = self.table.headers.get(column, column)
            self.problems.append(pb.Problem(severity, self.table.tab.name, record[ROW], header, parsed.error,
                                            show(raw)))
        return parsed.value


def _records(table: Table) -> list[dict]:
    return table.frame.to_dict("records")


def _dedupe(rows: list[dict], tab: str, problems: list[pb.Problem], what: str) -> list[dict]:
    seen: dict[str, int] = {}
    kept = []
    for row in rows:
        code = row["code"]
        if not code:
            problems.append(pb.error(tab, row["row"], "Code", f"{what} sans code : cette ligne est ignorée"))
            continue
        if code in seen:
            problems.append(pb.error(tab, row["row"], "Code", f"code en double (déjà utilisé ligne {seen[code]}) : "
                                     "cette ligne est ignorée, donnez-lui un autre code", code))
            continue
        seen[code] = row["row"]
        kept.append(row)
    return kept


def read_producers(table: Table) -> tuple[pd.DataFrame, list[pb.Problem]]:
    reader = _Reader(table)
    rows = []
    for record in _records(table):
        rows.append({
            "code": reader.get(record, "Code", parse_code),
            "name": reader.get(record, "Nom", parse_text),
            "email": reader.get(record, "Email", parse_email),
            "phone": reader.get(record, "Téléphone", parse_phone),
            "payments": reader.get(record, "Paiements acceptés", parse_text),
            "cheque_payee": reader.get(record, "Ordre des chèques", parse_text),
            "active": reader.get(record, "Actif", parse_bool, blank=True),
            "row": record[ROW],
            "list_format": reader.get(record, "Format liste", parse_list_format, severity=pb.WARNING),
        })
    rows = _dedupe(rows, table.tab.name, reader.problems, "producteur")
    for row in rows:
        if not row["name"]:
            row["name"] = row["code"]
    return pd.DataFrame(rows, columns=PRODUCER_COLUMNS, dtype=object), reader.problems


LIST_FORMATS = {"xlsx": "xlsx", "excel": "xlsx", "xls": "xlsx", "tableur": "xlsx", "libreoffice": "xlsx",
                "ods": "xlsx", "csv": "csv"}


def parse_list_format(raw) -> Parsed:
    """The spreadsheet a producer wants with their list: xlsx or csv; blank means the configured default."""
    text = fold(parse_text(raw).value).lstrip(".")
    if not text:
        return Parsed("")
    if text in LIST_FORMATS:
        return Parsed(LIST_FORMATS[text])
    return Parsed("", "format de liste inconnu : écrivez xlsx ou csv (le format par défaut est utilisé)")


def read_products(table: Table) -> tuple[pd.DataFrame, list[pb.Problem]]:
    reader = _Reader(table)
    rows = []
    for record in _records(table):
        sales = reader.get(record, "Ventes", parse_codes)
        rows.append({
            "code": reader.get(record, "Code", parse_code),
            "producer": reader.get(record, "Producteur", parse_code),
            "name": reader.get(record, "Nom", parse_text),
            "packaging": reader.get(record, "Conditionnement", parse_text),
            "price": reader.get(record, "Prix", parse_price),
            "by_weight": reader.get(record, "Au poids", parse_bool, blank=False),
            "avg_weight": reader.get(record, "Poids moyen (kg)", parse_weight),
            "stock": reader.get(record, "Stock", parse_count),
            "category": reader.get(record, "Catégorie", parse_text),
            "active": reader.get(record, "Actif", parse_bool, blank=True),
            "sales": sales or None,
            "description": reader.get(record, "Description", parse_text),
            "row": record[ROW],
        })
    rows = _dedupe(rows, table.tab.name, reader.problems, "produit")
    return pd.DataFrame(rows, columns=PRODUCT_COLUMNS, dtype=object), reader.problems


def read_sales(table: Table, tz: ZoneInfo) -> tuple[pd.DataFrame, list[pb.Problem]]:
    reader = _Reader(table)
    rows = []
    for record in _records(table):
        rows.append({
            "code": reader.get(record, "Code", parse_code),
            "title": reader.get(record, "Titre", parse_text),
            "opens": reader.get(record, "Ouverture", parse_datetime, tz),
            "closes": reader.get(record, "Clôture", parse_datetime, tz),
            "distribution": reader.get(record, "Distribution", parse_datetime, tz),
            "distribution_end": reader.get(record, "Fin distribution", parse_datetime, tz, required=False),
            "place": reader.get(record, "Lieu", parse_text),
            "special": reader.get(record, "Spéciale", parse_bool, blank=False),
            "form_url": reader.get(record, "Lien formulaire", parse_text),
            "message": reader.get(record, "Message", parse_text),
            "row": record[ROW],
        })
    rows = _dedupe(rows, table.tab.name, reader.problems, "vente")
    for row in rows:
        if not row["title"]:
            row["title"] = f"Vente {row['code']}"
    return pd.DataFrame(rows, columns=SALE_COLUMNS, dtype=object), reader.problems


def load(tables: dict[str, Table], tz: ZoneInfo) -> Catalogue:
    """Type the Producteurs, Produits and Ventes tabs and run every catalogue and calendar check."""
    producers, p1 = read_producers(tables[sheet.PRODUCERS.name])
    products, p2 = read_products(tables[sheet.PRODUCTS.name])
    sales, p3 = read_sales(tables[sheet.SALES.name], tz)
    problems = [*p1, *p2, *p3]
    problems += check_producers(producers, products)
    problems += check_products(products, producers, sales)
    problems += check_sales(sales)
    usable = sales[sales.apply(_sale_usable, axis=1)] if not sales.empty else sales
    return Catalogue(producers, _usable_products(products, producers), usable.reset_index(drop=True), problems)


def _sale_usable(sale: pd.Series) -> bool:
    return (sale["opens"] is not None and sale["closes"] is not None and sale["distribution"] is not None
            and sale["opens"] < sale["closes"])


def _usable_products(products: pd.DataFrame, producers: pd.DataFrame) -> pd.DataFrame:
    """Products that can be ordered: a known producer, a price that is not negative, a weight if sold by weight."""
    if products.empty:
        return products
    known = set(producers["code"])
    mask = products["producer"].isin(known) & products["price"].map(lambda p: p is not None and p >= 0)
    mask &= products["stock"].map(lambda s: s is None or s >= 0)
    mask &= ~(products["by_weight"] & products["avg_weight"].map(lambda w: w is None or w <= 0))
    return products[mask.astype(bool)].reset_index(drop=True)


def check_producers(producers: pd.DataFrame, products: pd.DataFrame) -> list[pb.Problem]:
    tab = sheet.PRODUCERS.name
    problems = []
    for producer in producers.itertuples():
        if not producer.active:
            active = products[(products["producer"] == producer.code) & products["active"].astype(bool)]
            if not active.empty:
                problems.append(pb.warning(
                    tab, producer.row, "Actif",
                    f"producteur inactif avec {plural(len(active), 'produit actif', 'produits actifs')} "
                    f"({', '.join(active['code'][:5])}) : "
                    "ses produits ne seront pas proposés", producer.code))
    return problems


def check_products(products: pd.DataFrame, producers: pd.DataFrame, sales: pd.DataFrame) -> list[pb.Problem]:
    tab = sheet.PRODUCTS.name
    problems = []
    known = set(producers["code"])
    sale_codes = set(sales["code"])
    for product in products.itertuples():
        if not product.producer:
            problems.append(pb.error(tab, product.row, "Producteur", "producteur manquant : indiquez le code "
                                     "d'un producteur de l'onglet Producteurs"))
        elif product.producer not in known:
            problems.append(pb.error(tab, product.row, "Producteur", "ce producteur n'existe pas dans l'onglet "
                                     "Producteurs : corrigez le code", product.producer))
        if not product.name:
            problems.append(pb.error(tab, product.row, "Nom", "nom du produit manquant"))
        if product.price is not None and product.price < 0:
            problems.append(pb.error(tab, product.row, "Prix", "prix négatif", show(product.price)))
        elif product.price is not None and product.price == 0:
            problems.append(pb.warning(tab, product.row, "Prix", "prix à zéro : est-ce voulu ?", "0"))
        if product.stock is not None and product.stock < 0:
            problems.append(pb.error(tab, product.row, "Stock", "stock négatif : laissez vide pour « sans limite »",
                                     show(product.stock)))
        if product.by_weight and (product.avg_weight is None or product.avg_weight <= 0):
            problems.append(pb.error(tab, product.row, "Poids moyen (kg)",
                                     "produit vendu au poids sans poids moyen : indiquez le poids d'une unité "
                                     "en kg, par exemple 1,2", show(product.avg_weight)))
        for code in sorted(product.sales or ()):
            if code not in sale_codes:
                problems.append(pb.warning(tab, product.row, "Ventes",
                                           f"la vente {code} n'existe pas dans l'onglet Ventes", code))
    return problems


def check_sales(sales: pd.DataFrame) -> list[pb.Problem]:
    tab = sheet.SALES.name
    problems = []
    windows = []
    for sale in sales.itertuples():
        if sale.opens and sale.closes and sale.closes <= sale.opens:
            problems.append(pb.error(tab, sale.row, "Clôture", "la clôture est avant l'ouverture : vérifiez les "
                                     "dates", sale.closes.strftime("%d/%m/%Y %H:%M"), sale.code))
        if sale.closes and sale.distribution and sale.closes > sale.distribution:
            problems.append(pb.error(tab, sale.row, "Clôture", "la clôture est après la distribution : vérifiez "
                                     "les dates", sale.closes.strftime("%d/%m/%Y %H:%M"), sale.code))
        if sale.distribution and sale.distribution_end and sale.distribution_end <= sale.distribution:
            problems.append(pb.error(tab, sale.row, "Fin distribution", "la fin de la distribution est avant son "
                                     "début", sale.distribution_end.strftime("%d/%m/%Y %H:%M"), sale.code))
        if not sale.place:
            problems.append(pb.error(tab, sale.row, "Lieu", "lieu de distribution manquant", "", sale.code))
        if sale.opens and sale.closes and sale.opens < sale.closes:
            windows.append((sale.opens, sale.closes, sale))
    windows.sort(key=lambda w: w[0])
    latest = None  # the window that closes last among those opened so far
    for opens_b, closes_b, b in windows:
        if latest is not None and opens_b < latest[1]:
            a = latest[2]
            problems.append(pb.error(tab, b.row, "Ouverture",
                                     f"les commandes de cette vente s'ouvrent avant la clôture de la vente {a.code} "
                                     f"(ligne {a.row}) : une commande ne saurait à quelle vente appartenir",
                                     opens_b.strftime("%d/%m/%Y %H:%M"), b.code))
        if latest is None or closes_b > latest[1]:
            latest = (opens_b, closes_b, b)
    return problems


def sale_for(moment: datetime, sales: pd.DataFrame) -> pd.Series | None:
    """The sale whose ordering window contains ``moment`` (opening included, closing excluded)."""
    for sale in sales.itertuples(index=False):
        if sale.opens <= moment < sale.closes:
            return sales[sales["code"] == sale.code].iloc[0]
    return None
