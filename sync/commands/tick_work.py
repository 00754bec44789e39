"""What one ``paniers tick`` does once it holds the run lock (``tick.py`` takes the lock, then loads this module:
a tick that yields to a running one loads none of pandas, the templates or the mailers).

One read of the workbook; the derived tabs recomputed; the emails that are due composed and sent
(the journal skips what already went, so running twice sends nothing twice); then one write of
everything (derived tabs, new households, journal rows), laid onto the sheet as it is at that moment
(``stores/layout.py``: what people typed meanwhile stays). The journal is also flushed while emails go
(every 25 on Google Sheets, at most once a minute on the local workbook). A Journal tab gone while emails
went before stops every send (``mail/amnesia.py``); another machine sending from the same Google Sheet stops
this one (``claims.py``).
"""

from __future__ import annotations

from dataclasses import replace

from .. import archive, claims, cycle, lists, schedule, snapshot
from .. import problems as pb
from ..config import resolve
from ..errors import UsageError
from ..french import plural
from ..mail import amnesia, compose
from ..mail.backends import open_mailer
from ..mail.journal import Journal
from ..mail.send import Limits, deliver
from ..problems import problems_frame
from ..refresh import refresh
from ..sheet import ANOMALIES, JOURNAL, ORDERS, SIGN_OFF, WEIGHINGS, frame_to_grid
from ..stores.base import Append, Changes
from ..stores.base import warnings as store_warnings
from . import Context, Outcome
from .check import report

# Seconds between two writes of the Journal tab while emails go out, on the local workbook (each is a whole
# save of it); every send is in the local write-ahead file at once, on the same lasting disk as the workbook,
# so a crash in between loses nothing. A store may say otherwise (``GoogleSheetsStore.flush_interval``).
FLUSH_INTERVAL = 60.0


def tick(ctx: Context, only: str | None, new_journal: bool = False) -> Outcome:
    """One tick; the caller holds the run lock (``tick.once``)."""
    config, now = ctx.config, ctx.now
    # A workbook open in LibreOffice or Excel cannot be written: say so before sending anything, rather
    # than send the emails and then fail to record them (tests/test_faults.py::test_a_workbook_open_in_…).
    writable = getattr(ctx.store, "ensure_writable", None)
    if writable is not None:
        writable()
    snap = snapshot.read(ctx.store, config)
    snap, moved = archive.settle(snap, ctx.store, config, now)  # finished sales' rows, first (sync/archive.py)
    result = refresh(snap, config, now)
    if only and result.catalogue.sale(only) is None:
        raise UsageError(f"la vente « {only} » n'existe pas dans l'onglet Ventes.")
    ctx.say(f"Passage du {now:%d/%m/%Y à %H:%M} : {ctx.store.describe()}.")
    for warning in store_warnings(ctx.store, config):
        ctx.say(f"! {warning}")
    if not result.complete:
        ctx.store.write(result.changes)
        ctx.say("Le classeur est incomplet : les commandes ne sont pas recalculées et aucun e-mail n'est envoyé "
                "tant que ceci n'est pas corrigé :")
        for problem in result.blocked:
            ctx.say(f"  ✗ {problem.sentence()}")
        return Outcome(code=1)
    journal = Journal.load(snap.grid(JOURNAL), resolve(config, config.mail.journal_wal), config.tz,
                           archive.journal_rule(result.archived, now, config))
    forgotten = None if new_journal else amnesia.lost(
        journal, snap.grid(JOURNAL),
        {tab.name: snap.grid(tab) for tab in (ORDERS, SIGN_OFF, WEIGHINGS)}, result.archived)
    if forgotten is not None:  # every email would go a second time: none goes
        ctx.store.write(run_changes(result, [forgotten, *result.problems], journal, None, only))
        ctx.say(f"✗ {forgotten.message[0].upper()}{forgotten.message[1:]}")
        return Outcome(code=1)
    letterhead = compose.Letterhead.from_config(config)
    due = cycle.plan(result, journal, letterhead, only)
    rival = _rival(ctx, [e for e in due.emails if e.key not in journal])
    if rival is not None:  # another scheduler sends from this sheet: two would send everything twice
        said = claims.french(rival, config.tz)
        ctx.store.write(run_changes(result, [pb.error("", None, "", said), *result.problems], journal, None, only))
        ctx.say(f"✗ {said[0].upper()}{said[1:]}")
        return Outcome(code=1)
    mailer = open_mailer(config, ctx.environ)

    def flush(rows: list[list]) -> None:  # a long run writes the journal in batches as it goes
        ctx.store.write(journal.changes(rows))

    delivery = deliver(due.emails, mailer, journal, Limits.from_config(config), now, flush=flush,
                       interval=getattr(ctx.store, "flush_interval", FLUSH_INTERVAL))
    problems = [*result.problems, *due.problems, *delivery.problems, *journal.refusals()]
    changes = run_changes(result, problems, journal, delivery, only)
    ctx.store.write(changes)
    _site(ctx, result)

    _say_sales(ctx, result, only)
    if archive.report(moved):
        ctx.say(archive.report(moved))
    ctx.say(f"Écrit : {', '.join(t for t in changes.replace) or 'rien de nouveau'}"
            + (f" ; {plural(len(result.newcomers), 'nouveau foyer', 'nouveaux foyers')} dans Clients"
               if result.newcomers else "") + ".")
    # each email by what became of it: to whom it went, or why not (mail/send.py, Delivery.report)
    said = delivery.report(outbox=config.mail.backend == "outbox")  # nothing leaves the machine: « écrits »
    ctx.say(f"E-mails ({mailer.describe()}) : " + said[0])
    for line in said[1:]:
        ctx.say(line)
    for note in due.notes:
        ctx.say(f"  ! {note}")
    in_play = {sale["code"] for sale in cycle.sales_in_play(result, only)} | {""}
    report(ctx, [p for p in problems if p.sale in in_play])
    return Outcome(1 if delivery.error else 0, delivery.sent, due.notes)


def _site(ctx: Context, result) -> None:
    """With ``[site] folder`` set, the public site is rebuilt when what it shows changed (a sale opened or closed,
    the catalogue changed): its content's fingerprint, a few milliseconds, is compared with the last build's.
    A site that cannot be written never stops the run: the emails are what matter (``docs/site.md``)."""
    if ctx.config.site.folder is None:
        return
    from ..site import build as site_build
    from ..site.photos import fetch_url
    from .site import say

    try:
        report = site_build.build(result.catalogue, result.snapshot, ctx.config, ctx.now, only_if_changed=True,
                                  fetch=fetch_url)
    except OSError as exc:
        ctx.say(f"! Le site du groupe n'a pas pu être écrit dans {site_build.folder(ctx.config)} : {exc}.")
        return
    if report.rebuilt and (report.written.changed or report.written.removed):
        say(ctx, report)


def _rival(ctx: Context, unsent: list) -> claims.Claim | None:
    """Before sending, on a store shared between machines (Google Sheets): another machine's claim that goes
    before this run's (``claims.py``); None when nothing is to be sent or the sheet is this machine's."""
    claim = getattr(ctx.store, "claim", None)
    if claim is None or not unsent:
        return None
    machine, label = claims.this_machine(ctx.environ, ctx.config.base_dir)
    mine = claims.Claim(machine, label, ctx.now)
    other = claims.rival(claim(mine), mine)
    if other is not None:  # this run sends nothing: its claim must not stop the machine that does
        claim(replace(mine, withdrawn=True), settle=False)
    return other


def run_changes(result, problems: list, journal: Journal, delivery, only: str | None) -> Changes:
    """What a tick writes at its end, in one operation: the derived tabs, Anomalies from every problem, the
    journal's new rows and the rows to weigh; less the tabs that did not change."""
    changes = result.changes
    changes.replace[ANOMALIES.name] = frame_to_grid(problems_frame(list(dict.fromkeys(problems))))
    if delivery is not None and delivery.rows:
        changes.append[JOURNAL.name] = Append(journal.header, delivery.rows)
    weigh = _rows_to_weigh(result, only)
    if weigh.rows:
        changes.append[WEIGHINGS.name] = weigh
    return changes.without_unchanged(result.snapshot.grids)


def _rows_to_weigh(result, only: str | None) -> Append:
    """From closing on, the lines sold by weight get a row in Pesées for the producer to fill in."""
    grid = result.snapshot.grid(WEIGHINGS)
    rows: list[list] = []
    header = WEIGHINGS.header
    for sale in cycle.sales_in_play(result, only):
        if result.now >= sale["closes"]:
            append = lists.rows_to_weigh(result.book, grid, sale["code"])
            rows += append.rows
            header = append.header
    return Append(header, rows)


def _say_sales(ctx: Context, result, only: str | None) -> None:
    offsets = ctx.config.schedule
    for _, sale in result.catalogue.sales.iterrows():
        if only and sale["code"] != only:
            continue
        if not schedule.active(sale, ctx.now, offsets) and schedule.phase(sale, ctx.now) != schedule.UPCOMING:
            continue
        households = result.book.households
        count = int(((households["sale"] == sale["code"]) & (households["status"] != "annulée")).sum())
        ctx.say(f"Vente {sale['code']} ({sale['title']}) : {schedule.phase(sale, ctx.now)}, "
                f"{plural(count, 'commande', none='aucune commande')}.")
