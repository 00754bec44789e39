"""``paniers init [--demo]``: every tab of the contract, with its headers, in an empty workbook."""

from __future__ import annotations

from .. import config as config_module
from .. import demo as demo_group
from .. import sheet
from ..snapshot import contract_tabs
from ..stores.base import Changes
from . import Context, under_lock


def run(ctx: Context, demo: bool = False) -> int:
    """Create the missing tabs with their headers (and, with ``demo``, a fictional group's data), under the run
    lock (``under_lock``).

    A tab that already holds data is never touched. What is said is what was created and what a person must look
    at: on a complete workbook, one line that nothing needed creating.
    """
    return under_lock(ctx, "init", lambda: _init(ctx, demo))


def _init(ctx: Context, demo: bool) -> int:
    pairs = [*zip(contract_tabs(ctx.config), sheet.ALL_TABS, strict=True), *((t, t) for t in sheet.ARCHIVE_TABS)]
    tabs = [tab for tab, _ in pairs]
    grids = ctx.store.read([t.name for t in tabs]) if ctx.store.exists() else {t.name: None for t in tabs}
    content = demo_group.build() if demo else {}
    changes = Changes()
    created, filled, not_filled = [], [], []
    for tab, canonical in pairs:
        grid = sheet.trim(grids.get(tab.name))
        rows = content.get(canonical.name)
        if len(grid) > 1 or (grid and not rows):
            if len(grid) > 1 and rows and not canonical.derived:  # people's data where the demo's would go
                not_filled.append(tab.name)
            continue
        changes.replace[tab.name] = rows if rows else [tab.header]
        (filled if rows else created).append(tab.name)
    if changes:
        ctx.store.write(changes)
    where = ctx.store.describe()
    if created or filled:
        ctx.say(f"Classeur prêt : {where}.")
    else:
        ctx.say(f"Rien à faire : {where} a déjà tous ses onglets.")
    if filled:
        ctx.say(f"Données de démonstration ajoutées dans : {', '.join(filled)}.")
        ctx.say(f"  ({demo_group.describe()} ; tout est fictif)")
    if created:
        ctx.say(f"Onglets créés avec leurs en-têtes : {', '.join(created)}.")
    if not_filled:
        ctx.say(f"Données de démonstration non ajoutées : {', '.join(not_filled)} "
                f"{'contiennent' if len(not_filled) > 1 else 'contient'} déjà des données (jamais modifiées).")
    examples = config_module.example_values(ctx.config) if ctx.config.source is not None else []
    if examples:
        keys = ", ".join(key for key, _ in examples)
        ctx.say(f"À regarder : {ctx.config.source} garde des valeurs de l'exemple ({keys}) : "
                "mettez-y celles du groupe (chaque réglage y est expliqué), puis lancez « paniers doctor ».")
    if created and not filled:
        ctx.say("Étape suivante : remplissez les onglets Producteurs, Produits et Ventes, "
                "puis lancez « paniers check ».")
    return 0
