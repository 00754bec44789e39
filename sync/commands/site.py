"""``paniers site``: the group's public website, built from the sheet into ``[site] folder`` (or ``--out``).

One read of the workbook; nothing is written to it. Only the files whose bytes changed are written (``sync/site``).
"""

from __future__ import annotations

from pathlib import Path

from .. import snapshot
from ..french import plural
from ..refresh import refresh
from ..site import build as site_build
from ..site.photos import fetch_url
from . import Context


def run(ctx: Context, out: Path | None = None, fetch=fetch_url) -> int:
    snap = snapshot.read(ctx.store, ctx.config)
    result = refresh(snap, ctx.config, ctx.now)
    report = site_build.build(result.catalogue, snap, ctx.config, ctx.now, out, fetch=fetch)
    say(ctx, report)
    return 0


def say(ctx: Context, report: site_build.Report, prefix: str = "") -> None:
    written = report.written
    if written.changed or written.removed:
        what = f"{plural(len(written.changed), 'fichier écrit', 'fichiers écrits')}"
        if written.removed:
            what += f", {plural(len(written.removed), 'retiré')}"
    else:
        what = "rien n'a changé depuis la dernière construction"
    ctx.say(f"{prefix}Site du groupe : {report.pages} pages dans {report.folder} ({what}).")
    ctx.say(f"{prefix}  À ouvrir dans un navigateur : {report.folder / 'index.html'}")
    for note in report.notes:
        ctx.say(f"{prefix}  ! {note}")
