"""``paniers check``: what is wrong in the catalogue, the sales calendar and the orders, cell by cell."""

from __future__ import annotations

from .. import catalogue, sheet, snapshot
from ..problems import ERROR, problems_frame, summary
from ..stores.base import Changes
from . import Context

SHOWN = 30  # problems printed in full; the rest are in the Anomalies tab


def run(ctx: Context) -> int:
    snap = snapshot.read(ctx.store, ctx.config)
    found = catalogue.load(snap.tables, ctx.config.tz)
    problems = [*snap.problems, *found.problems]
    ctx.store.write(Changes(replace={sheet.ANOMALIES.name: sheet.frame_to_grid(problems_frame(problems))}))
    ctx.say(f"Vérification du {ctx.now:%d/%m/%Y à %H:%M} : {ctx.store.describe()}.")
    ctx.say(f"Catalogue : {len(found.producers)} producteurs, {len(found.products)} produits utilisables, "
            f"{len(found.sales)} ventes.")
    report(ctx, problems)
    return 0


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
