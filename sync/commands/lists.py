"""``paniers lists --sale CODE [--out FOLDER]``: every printable document of a sale, in a folder.

``run_with_book`` is the job once the order book is built (weights from ``Pesées`` already
applied with ``lists.apply_weights``). Reading the workbook and building that book (snapshot →
catalogue → orders → weights) is the thin ``run`` the command line calls.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from .. import snapshot
from ..catalogue import Catalogue
from ..config import resolve
from ..errors import UsageError
from ..french import plural
from ..lists import tables, write_documents
from ..lists.render import slug
from ..orderbook import OrderBook
from ..refresh import refresh
from ..values import money
from . import Context


def default_folder(ctx: Context, sale: str) -> Path:
    """``[lists] folder`` / the sale's code (made a safe file name: a code is never a path)."""
    return resolve(ctx.config, ctx.config.lists.folder) / slug(sale, "vente")


def run(ctx: Context, sale: str | None, out: Path | None = None) -> int:
    """Read the workbook once, build the order book (weights applied), write the sale's documents."""
    result = refresh(snapshot.read(ctx.store, ctx.config), ctx.config, ctx.now)
    return run_with_book(ctx, result.book, result.catalogue, sale, out)


def run_with_book(ctx: Context, book: OrderBook, catalogue: Catalogue, sale: str | None,
                  out: Path | None = None) -> int:
    """Write the sale's documents to ``out`` (default: ``[lists] folder``/CODE) and say what was written."""
    if not sale:
        known = ", ".join(catalogue.sales["code"]) or "aucune"
        raise UsageError(f"indiquez la vente avec --sale CODE (ventes connues : {known}).")
    if catalogue.sale(sale) is None and sale not in set(book.lines["sale"]):
        known = ", ".join(catalogue.sales["code"]) or "aucune"
        raise UsageError(f"la vente « {sale} » n'existe pas dans l'onglet Ventes (ventes connues : {known}).")
    info = tables.sale_info(catalogue, sale)
    households = tables.households_in_sale(book, sale)
    if not households:
        ctx.say(f"Aucune commande pour la vente {sale} ({info.title}) : aucun document à imprimer.")
        return 0
    folder = Path(out) if out is not None else default_folder(ctx, sale)
    paths = write_documents(book, catalogue, sale, folder, ctx.config, ctx.now)
    lines = tables.sale_lines(book, sale)
    producers = tables.producers_in_sale(book, catalogue, sale)
    total = sum((Decimal(a) for a in lines["amount"]), Decimal(0))
    ctx.say(f"{info.title} : {len(households)} foyers, {len(producers)} producteurs, {money(total)} au total.")
    ctx.say(f"{len(paths)} documents écrits dans {folder} :")
    for path in paths:
        ctx.say(f"  - {path.name}")
    estimated = lines[lines["estimated"].astype(bool)]
    if not estimated.empty:
        ctx.say(f"{plural(len(estimated), 'ligne vendue', 'lignes vendues')} au poids "
                f"{'restent estimées (marquées' if len(estimated) > 1 else 'reste estimée (marquée'} *) : "
                "saisissez les poids dans l'onglet « Pesées » pour obtenir les montants définitifs.")
    return 0
