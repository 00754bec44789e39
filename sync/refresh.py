"""The per-run pipeline every job starts with: from one snapshot of the workbook to the catalogue,
the order book, every problem, and ONE set of changes (the derived tabs and the ``Clients``
appends) for the store to write in one operation.

More derived tabs plug in as one line each in ``TABS`` (a builder from the refresh so far to a
frame with the tab's headers); adjustments of the order book (e.g. the actual weights of a
``Pesées`` tab) plug in as one line each in ``BOOK_STEPS``. Every derived tab goes through
``sheet.carry_over`` with its old content, so the columns people fill in (``Payé``, ``Remarques``,
or any column they add) survive every rewrite. ``Anomalies`` is written last, from every problem:
structure, catalogue, orders and steps.

Pure: nothing here reads the clock or the store; ``now`` and the snapshot come in.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from . import archive, clients, figures, lists, sheet
from . import catalogue as catalogue_module
from . import messages as messages_module
from .catalogue import Catalogue
from .config import Config, example_values
from .orderbook import OrderBook
from .orders import intake, tabs
from .orders.book import assemble
from .problems import ERROR, Problem, problems_frame, warning
from .sheet import Grid, Tab
from .snapshot import Snapshot
from .stores.base import Changes
from .stores.layout import Owner
from .values import fold, is_blank


@dataclass
class Refresh:
    """Everything a run knows after reading the workbook once, and what it writes back."""

    now: datetime
    config: Config
    snapshot: Snapshot
    catalogue: Catalogue
    book: OrderBook
    complete: bool = True  # False: the structure is broken; the orders were not recomputed (see ``blocked``)
    blocked: list[Problem] = field(default_factory=list)  # the structure problems that stopped the orders
    problems: list[Problem] = field(default_factory=list)  # every problem, each once (the Anomalies tab)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)  # each derived tab as written, by tab name
    newcomers: list[dict] = field(default_factory=list)  # records appended to Clients (contract column names)
    changes: Changes = field(default_factory=Changes)  # for ``store.write``, in one operation
    archived: set[str] = field(default_factory=set)  # sales whose rows live in the archive tabs (sync/archive.py)
    messages: list[messages_module.Message] = field(default_factory=list)  # the Messages tab's readable rows

    @property
    def live_book(self) -> OrderBook:
        """The order book less the archived sales: what ``Commandes`` shows."""
        if not self.archived:
            return self.book
        book = self.book
        return OrderBook(*(frame[~frame["sale"].isin(self.archived)]
                           for frame in (book.submissions, book.households, book.lines)))

    @functools.cached_property
    def history(self) -> figures.History:
        """The figures of every sale in the order book, built once per run however many tabs and emails ask."""
        return figures.History.build(self.book, self.catalogue, self.now)

    def problems_for(self, sale: str) -> list[Problem]:
        """The problems of one sale, and those of no sale in particular (the catalogue's, the structure's)."""
        return [p for p in self.problems if p.sale in ("", sale)]


BookStep = Callable[[Refresh], tuple[OrderBook, list[Problem]]]
# A builder returns the tab as a frame (carried over here), or, for a tab whose columns change with the
# data (Émargement: one per producer), the finished grid, carried over by the builder itself.
TabBuilder = Callable[[Refresh], pd.DataFrame | Grid]

# Adjustments of the order book before any tab is derived from it, in this order. Each returns the
# new book and the problems it found, e.g. ``lambda r: lists.weighed(r.snapshot, r.book, r.config)``.
BOOK_STEPS: list[BookStep] = [
    lambda r: lists.apply_weights(r.book, r.snapshot.table(sheet.WEIGHINGS)),
]

# The derived tabs, in this order; ``Anomalies`` comes after them, from every problem found.
TABS: list[tuple[Tab, TabBuilder]] = [
    (sheet.ORDERS, lambda r: tabs.orders_frame(r.live_book)),
    (sheet.BY_PRODUCER, lambda r: tabs.by_producer_frame(r.live_book, r.catalogue)),
    (sheet.SIGN_OFF, lambda r: lists.sign_off_grid(_old_rows(r, sheet.SIGN_OFF), r.live_book, r.catalogue)),
    (sheet.BILAN, lambda r: r.history.bilan()),
    (sheet.RECALL, lambda r: r.history.lapsed_tab()),
]

# The tabs the orders are computed from: when one of them cannot be read, nothing derived from the
# orders is rewritten (the previous content stays), only Anomalies says what to fix.
INPUTS = (sheet.PRODUCERS, sheet.PRODUCTS, sheet.SALES, sheet.RESPONSES, sheet.MANUAL)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a run builds its tables, on again after (as it was).

    A refresh makes hundreds of thousands of small objects (rows, lines, cells) that nearly all live
    until it ends; the collector would walk them again and again to find no garbage (ten years of
    history: about a quarter of the refresh). Reference counting still frees whatever is dropped."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def example_problems(config: Config) -> list[Problem]:
    """A warning in Anomalies for each setting of the configuration file still at the example's value
    (``config.example_values``). A configuration that comes from no file has nothing to edit: no warning."""
    if config.source is None:
        return []
    return [warning("", None, "", f"{key} dans {config.source.name} est encore la valeur de l'exemple : "
                    "mettez-y celle du groupe", value)
            for key, value in example_values(config)]


@collector_paused()
def refresh(snapshot: Snapshot, config: Config, now: datetime) -> Refresh:
    """Catalogue, orders, derived tabs, Clients appends and Anomalies, as they stand at ``now``."""
    catalogue = catalogue_module.load(snapshot.tables, config.tz)
    derived = {tab.name for tab in sheet.DERIVED_TABS}
    problems = [p for p in snapshot.problems if p.tab not in derived]  # derived tabs are rewritten anyway
    problems += catalogue.problems
    problems += example_problems(config)
    result = Refresh(now, config, snapshot, catalogue, OrderBook.empty())
    result.messages, unreadable = messages_module.read(snapshot.table(sheet.MESSAGES), catalogue, config.tz)
    problems += unreadable
    result.archived = archive.archived(catalogue.sales, now, config)
    result.blocked = _blocking(snapshot)
    result.complete = not result.blocked
    if result.complete:
        found = intake.read(snapshot.tables, catalogue, config, now)
        result.book = assemble(found.submissions, catalogue, found.problems)
        for step in BOOK_STEPS:
            book, extra = step(result)
            book.problems = [*result.book.problems, *extra]
            result.book = book
        client_tab = snapshot.table(sheet.CLIENTS)
        append, result.newcomers = clients.append(client_tab, snapshot.grid(sheet.CLIENTS), found.arrivals)
        if append is not None:
            result.changes.append[sheet.CLIENTS.name] = append
        for tab, build in TABS:
            built = build(result)
            if isinstance(built, pd.DataFrame):
                frame = sheet.carry_over(_old_rows(result, tab), built, tab)
                grid = sheet.frame_to_grid(frame)
            else:
                grid = built
                frame = pd.DataFrame(grid[1:], columns=grid[0], dtype=object)
            if tab in archive.FROZEN and result.archived:  # archived sales' rows stay as they were
                grid = archive.with_frozen(snapshot.grid(tab), grid, result.archived)
                frame = pd.DataFrame(grid[1:], columns=grid[0], dtype=object)
            result.frames[tab.name] = frame
            result.changes.replace[tab.name] = grid
            if tab.key:
                result.changes.owners[tab.name] = _owner(tab, built, snapshot.grid(tab))
    problems += result.book.problems
    # an archived sale is long over: what was wrong with it is no longer anything to fix
    result.problems = [p for p in dict.fromkeys(problems) if p.sale not in result.archived]
    anomalies = problems_frame(result.problems)
    result.frames[sheet.ANOMALIES.name] = anomalies
    result.changes.replace[sheet.ANOMALIES.name] = sheet.frame_to_grid(anomalies)
    return result


def _owner(tab: Tab, built: pd.DataFrame | Grid, old: Grid | None = None) -> Owner:
    """Which columns of a derived tab the tool writes (the rest is people's: ``stores/layout.py``). A grid
    built whole (``Émargement``) is the tool's up to its ``Total`` column; so was the tab as read (``old``), and
    a column of that part the new grid lacks is the tool's no longer (a producer left the sale): it is removed
    from the tab, not kept as if a person had added it."""
    dropped: tuple[str, ...] = ()
    if isinstance(built, pd.DataFrame):
        columns = [str(c) for c in built.columns]
    else:
        header = [str(h) for h in built[0]] if built else []
        columns = header[:header.index("Total") + 1] if "Total" in header else header
        before = [str(h).strip() for h in old[0]] if old else []
        if "Total" in before:
            now = {fold(h) for h in header}
            dropped = tuple(h for h in before[:before.index("Total")] if h and fold(h) not in now)
    return Owner(tab.key, tuple(c for c in columns if c not in tab.human_columns), dropped)


def _old_rows(result: Refresh, tab: Tab) -> Grid | None:
    """A derived tab as read, less the rows of archived sales: they are moved (Commandes) or carried over
    whole (``archive.FROZEN``), not recomputed nor kept as rows a person typed in."""
    grid = result.snapshot.grid(tab)
    if tab is not sheet.ORDERS and tab not in archive.FROZEN:
        return grid
    return archive.without(grid, result.archived)


def _blocking(snapshot: Snapshot) -> list[Problem]:
    """Structure problems that make the orders wrong as a whole (a missing tab or required column).

    A missing ``Saisie manuelle`` only means no phone orders. A missing response tab means no form
    yet, unless orders were computed before: then the tab was renamed or the configuration is wrong,
    and wiping ``Commandes`` would be worse than keeping it as it was.
    """
    blocking = []
    for tab in INPUTS:
        table = snapshot.table(tab)
        if not table.present and (tab is sheet.MANUAL or (tab is sheet.RESPONSES and not _had_orders(snapshot))):
            continue
        blocking += [p for p in table.problems if p.severity == ERROR and p.row is None]
    return blocking


def _had_orders(snapshot: Snapshot) -> bool:
    """Whether ``Commandes`` holds a row under its header: orders were computed before. (Looked at only
    when the response tab is missing, and up to the first filled cell: the tab may hold years of rows.)"""
    return any(not is_blank(value) for row in (snapshot.grid(sheet.ORDERS) or [])[1:] for value in row)
