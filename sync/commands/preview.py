"""``paniers preview``: every email that ``tick`` would send now, written to a folder; nothing is sent."""

from __future__ import annotations

from collections import Counter

from .. import cycle, snapshot
from ..config import resolve
from ..errors import UsageError
from ..french import plural
from ..mail import compose, kinds
from ..mail.journal import Journal
from ..mail.preview import write_preview
from ..refresh import refresh
from ..sheet import JOURNAL
from . import Context


def run(ctx: Context, sale: str | None = None) -> int:
    config = ctx.config
    snap = snapshot.read(ctx.store, config)
    result = refresh(snap, config, ctx.now)
    if sale and result.catalogue.sale(sale) is None:
        raise UsageError(f"la vente « {sale} » n'existe pas dans l'onglet Ventes.")
    # the write-ahead file is read, never written: a preview journals nothing
    journal = Journal.load(snap.grid(JOURNAL), resolve(config, config.mail.journal_wal), config.tz)
    due = cycle.plan(result, journal, compose.Letterhead.from_config(config), sale)
    emails = [e.ready() for e in {e.key: e for e in due.emails}.values() if e.key not in journal]
    folder = resolve(config, config.mail.preview)
    index = write_preview(emails, folder, ctx.now, journal)
    ctx.say(f"Aperçu au {ctx.now:%d/%m/%Y à %H:%M} : {plural(len(emails), 'e-mail')} "
            f"{'seraient envoyés' if len(emails) > 1 else 'serait envoyé'} maintenant "
            "(rien n'est envoyé).")
    for label, count in sorted(Counter(kinds.label_of(e) for e in emails).items()):
        ctx.say(f"  - {label} : {count}")
    for note in due.notes:
        ctx.say(f"  ! {note}")
    ctx.say(f"Ouvrez {index} dans un navigateur pour les lire.")
    return 0
