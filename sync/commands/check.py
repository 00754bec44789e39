"""``paniers check``: what is wrong in the catalogue, the sales calendar and the orders, cell by cell;
the derived tabs (Commandes, Par producteur, ...), the newcomers in Clients and Anomalies, written
in one operation."""

from __future__ import annotations

from decimal import Decimal

from .. import archive, clients, sheet, snapshot
from ..french import plural
from ..orderbook import CANCELLED, MODIFIED, OrderBook
from ..problems import ERROR, summary
from ..refresh import Refresh, refresh
from ..stores.base import warnings as store_warnings
from ..values import long_datetime, money
from . import Context, under_lock

SHOWN = 30  # problems printed in full; the rest are in the Anomalies tab


def run(ctx: Context, sale: str | None = None) -> int:
    """Under the run lock (it writes, like ``tick``): refresh everything in one write; print the catalogue, each
    sale (or only ``sale``) and the anomalies."""
    return under_lock(ctx, "check", lambda: _check(ctx, sale))


def _check(ctx: Context, sale: str | None) -> int:
    snap = snapshot.read(ctx.store, ctx.config)
    snap, moved = archive.settle(snap, ctx.store, ctx.config, ctx.now)  # finished sales first (sync/archive.py)
    result = refresh(snap, ctx.config, ctx.now)
    ctx.store.write(result.changes)
    if archive.report(moved):
        ctx.say(archive.report(moved))
    found = result.catalogue
    ctx.say(f"Vérification du {ctx.now:%d/%m/%Y à %H:%M} : {ctx.store.describe()}.")
    for warning in store_warnings(ctx.store, ctx.config):
        ctx.say(f"! {warning}")
    ctx.say(f"Catalogue : {len(found.producers)} producteurs, {len(found.products)} produits utilisables, "
            f"{len(found.sales)} ventes.")
    if result.complete:
        orders(ctx, result, sale)
    else:
        ctx.say("Commandes non recalculées : corrigez d'abord les onglets ou colonnes manquants (ci-dessous). "
                f"Les onglets « {sheet.ORDERS.name} » et « {sheet.BY_PRODUCER.name} » gardent leur contenu "
                "précédent.")
    report(ctx, result.problems)
    return 0


def orders(ctx: Context, result: Refresh, only: str | None = None) -> None:
    """One line per sale: orders, modified and cancelled ones, amount, stock cuts; then the newcomers."""
    sales = result.catalogue.sales
    if only:
        sales = sales[sales["code"] == only.strip().upper()]
    if sales.empty:
        ctx.say(f"Commandes : la vente {only} n'existe pas dans l'onglet Ventes." if only
                else "Commandes : aucune vente dans l'onglet Ventes.")
    else:
        ctx.say(f"Commandes (détail dans l'onglet « {sheet.ORDERS.name} ») :")
        for sale in sales.sort_values("opens", kind="stable").itertuples(index=False):
            ctx.say(f"  {sale.code} · {sale.title} ({when(sale, result.now)}) : "
                    f"{sale_summary(result.book.for_sale(sale.code))}.")
    if result.newcomers:
        names = ", ".join(clients.who(r) for r in result.newcomers[:5]) + (" …" if len(result.newcomers) > 5 else "")
        count = len(result.newcomers)
        ctx.say(f"Clients : {plural(count, 'nouveau foyer ajouté', 'nouveaux foyers ajoutés')} à l'onglet "
                f"« {sheet.CLIENTS.name} » ({names}).")


def when(sale, now) -> str:
    if now < sale.opens:
        return f"ouverture le {long_datetime(sale.opens)}"
    if now < sale.closes:
        return f"commandes ouvertes jusqu'au {long_datetime(sale.closes)}"
    return f"close le {long_datetime(sale.closes)}"


def sale_summary(book: OrderBook) -> str:
    """« 14 commandes dont 1 modifiée, 1 annulée ; 1 234,50 € (estimation pour les produits au poids) ;
    3 quantités réduites faute de stock »."""
    households = book.households
    if households.empty:
        return "aucune commande"
    statuses = list(households["status"])
    active = len(statuses) - statuses.count(CANCELLED)
    text = plural(active, "commande", "commandes")
    if statuses.count(MODIFIED):
        text += " dont " + plural(statuses.count(MODIFIED), "modifiée", "modifiées")
    if statuses.count(CANCELLED):
        text += ", " + plural(statuses.count(CANCELLED), "annulée", "annulées")
    lines = book.lines
    total = sum(lines["amount"], Decimal("0.00")) if not lines.empty else Decimal("0.00")
    text += f" ; {money(total)}"
    if not lines.empty and any(lines["estimated"] & (lines["allocated"] > 0)):
        text += " (estimation pour les produits au poids)"
    cuts = int((lines["allocated"] < lines["requested"]).sum()) if not lines.empty else 0
    if cuts:
        text += " ; " + plural(cuts, "quantité réduite", "quantités réduites") + " faute de stock"
    return text


def report(ctx: Context, problems) -> None:
    """The French summary of a list of problems, errors first."""
    unique = list(dict.fromkeys(problems))
    if not unique:
        ctx.say("Aucune anomalie : tout est en ordre.")
        return
    ctx.say(f"Anomalies : {summary(unique)} (détail dans l'onglet « {sheet.ANOMALIES.name} ») :")
    ordered = sorted(unique, key=lambda p: (p.severity != ERROR, p.tab, p.row or 0))
    for problem in ordered[:SHOWN]:
        mark = "✗" if problem.severity == ERROR else "!"
        ctx.say(f"  {mark} {problem.sentence()}")
    if len(ordered) > SHOWN:
        ctx.say(f"  … et {len(ordered) - SHOWN} autres, dans l'onglet « {sheet.ANOMALIES.name} ».")
