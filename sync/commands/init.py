"""``paniers init [--demo]``: every tab of the contract, with its headers, in an empty workbook."""

from __future__ import annotations

from .. import demo as demo_group
from .. import sheet
from ..snapshot import contract_tabs
from ..stores.base import Changes
from . import Context, under_lock


def run(ctx: Context, demo: bool = False) -> int:
    """Create the missing tabs with their headers (and, with ``demo``, a fictional group's data), under the run
    lock (``under_lock``).

    A tab that already holds data is never touched: the command says so and goes on with the others.
    """
    return under_lock(ctx, "init", lambda: _init(ctx, demo))


def _init(ctx: Context, demo: bool) -> int:
    pairs = [*zip(contract_tabs(ctx.config), sheet.ALL_TABS, strict=True), *((t, t) for t in sheet.ARCHIVE_TABS)]
    tabs = [tab for tab, _ in pairs]
    grids = ctx.store.read([t.name for t in tabs]) if ctx.store.exists() else {t.name: None for t in tabs}
    content = demo_group.build() if demo else {}
    changes = Changes()
    created, filled, kept = [], [], []
    for tab, canonical in pairs:
        grid = sheet.trim(grids.get(tab.name))
        rows = content.get(canonical.name)
        if len(grid) > 1 or (grid and not rows):
            if len(grid) > 1:
                kept.append(tab.name)
            continue
        changes.replace[tab.name] = rows if rows else [tab.header]
        (filled if rows else created).append(tab.name)
    if changes:
        ctx.store.write(changes)
    where = ctx.store.describe()
    if created or filled:
        ctx.say(f"Classeur prêt : {where}.")
    if filled:
        ctx.say(f"Données de démonstration ajoutées dans : {', '.join(filled)}.")
        ctx.say(f"  ({demo_group.describe()} ; tout est fictif)")
    if created:
        ctx.say(f"Onglets créés avec leurs en-têtes : {', '.join(created)}.")
    for name in kept:
        ctx.say(f"L'onglet « {name} » contient déjà des données : il est laissé tel quel.")
    if not created and not filled:
        ctx.say(f"Rien à faire : {where} a déjà tous ses onglets.")
    elif not filled:
        ctx.say("Étape suivante : remplissez les onglets Producteurs, Produits et Ventes, "
                "puis lancez « paniers check ».")
    return 0

