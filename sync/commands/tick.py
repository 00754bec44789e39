"""``paniers tick``: everything that is due at ``now``, for cron every 10–15 minutes.

One read of the workbook; the derived tabs recomputed; the emails that are due composed and sent
(the journal skips what already went, so running twice sends nothing twice); then one write of
everything (derived tabs, new households, journal rows). A long run also flushes the journal in
batches while it sends. Two runs never overlap: the second one yields at once (exit 0).
"""

from __future__ import annotations

from collections import Counter

from .. import cycle, runlock, schedule, snapshot
from ..config import resolve
from ..errors import UsageError
from ..mail import compose, kinds
from ..mail.journal import Journal
from ..mail.mailer import open_mailer
from ..mail.send import Limits, deliver
from ..problems import problems_frame
from ..refresh import refresh
from ..sheet import ANOMALIES, JOURNAL, frame_to_grid
from ..stores.base import Append
from . import Context
from .check import report


def run(ctx: Context, sale: str | None = None) -> int:
    try:
        with runlock.exclusive(resolve(ctx.config, ctx.config.schedule.lock), ctx.now):
            return _tick(ctx, sale)
    except runlock.Busy as busy:
        ctx.say(f"Un autre passage est en cours ({busy.holder}) : celui-ci s'arrête sans rien faire.")
        return 0


def _tick(ctx: Context, only: str | None) -> int:
    config, now = ctx.config, ctx.now
    snap = snapshot.read(ctx.store, config)
    result = refresh(snap, config, now)
    if only and result.catalogue.sale(only) is None:
        raise UsageError(f"la vente « {only} » n'existe pas dans l'onglet Ventes.")
    ctx.say(f"Passage du {now:%d/%m/%Y à %H:%M} : {ctx.store.describe()}.")
    if not result.complete:
        ctx.store.write(result.changes)
        ctx.say("Le classeur est incomplet : les commandes ne sont pas recalculées et aucun e-mail n'est envoyé "
                "tant que ceci n'est pas corrigé :")
        for problem in result.blocked:
            ctx.say(f"  ✗ {problem.sentence()}")
        return 1
    journal = Journal.load(snap.grid(JOURNAL), resolve(config, config.mail.journal_wal), config.tz)
    letterhead = compose.Letterhead.from_config(config)
    due = cycle.plan(result, journal, letterhead, only)
    mailer = open_mailer(config, ctx.environ)

    def flush(rows: list[list]) -> None:  # a long run writes the journal in batches as it goes
        ctx.store.write(journal.changes(rows))

    delivery = deliver(due.emails, mailer, journal, Limits.from_config(config), now, flush=flush)
    problems = [*result.problems, *due.problems, *delivery.problems, *journal.refusals()]
    changes = result.changes
    changes.replace[ANOMALIES.name] = frame_to_grid(problems_frame(list(dict.fromkeys(problems))))
    if delivery.rows:
        changes.append[JOURNAL.name] = Append(journal.header, delivery.rows)
    ctx.store.write(changes)

    _say_sales(ctx, result, only)
    ctx.say(f"Écrit : {', '.join(t for t in changes.replace)}"
            + (f" ; {len(result.newcomers)} nouveau(x) foyer(s) dans Clients" if result.newcomers else "") + ".")
    sent = Counter(kinds.label(e.kind) for e in delivery.sent)
    ctx.say(f"E-mails ({mailer.describe()}) : " + delivery.summary() + ".")
    for label, count in sorted(sent.items()):
        ctx.say(f"  - {label} : {count}")
    for line in delivery.lines()[1:]:
        ctx.say(line)
    for note in due.notes:
        ctx.say(f"  ! {note}")
    report(ctx, problems)
    return 1 if delivery.error else 0


def _say_sales(ctx: Context, result, only: str | None) -> None:
    offsets = ctx.config.schedule
    for _, sale in result.catalogue.sales.iterrows():
        if only and sale["code"] != only:
            continue
        if not schedule.active(sale, ctx.now, offsets) and schedule.phase(sale, ctx.now) != schedule.UPCOMING:
            continue
        households = result.book.households
        count = int(((households["sale"] == sale["code"]) & (households["status"] != "annulée")).sum())
        ctx.say(f"Vente {sale['code']} ({sale['title']}) : {schedule.phase(sale, ctx.now)}, {count} commande(s).")
