"""Finished sales leave the two long tabs: their rows move from ``Commandes`` and ``Journal`` to
``Archives Commandes`` and ``Archives Journal``.

Every tick reads the workbook and recomputes ``Commandes``; both tabs grow by a few hundred rows a
month, and after a few years they are tens of thousands of rows that a person has to scroll past to
find this month's orders, and that every run reads and writes again. So a sale whose last email is
long past (``[store] archive_after_days`` after the end of its follow-up: nothing of it can be due any
more) is *archived*: its rows are appended to the archive tab as they were (the columns people added
included) and removed from the working tab, in one write. The archive tabs are not read by the runs;
they are there for people (and for ``paniers report``'s own reading of the history, which comes from
the form's answers, not from these tabs). ``Par producteur``, ``Émargement`` and ``Bilan`` keep every
sale: a handful of rows per sale.

Nothing is lost and nothing is sent twice: the move is one atomic write, done before anything is sent;
a sale is archived only when none of its emails can be due; the rows moved are copied cell for cell.
An archived sale's orders are no longer recomputed (a price changed since does not rewrite them).

Pure: ``now`` comes in; ``move`` returns the changes and the grids as they stand after them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from . import schedule, sheet, snapshot
from .config import Config
from .french import plural
from .sheet import Grid, Tab
from .snapshot import Snapshot
from .stores.base import Append, Changes
from .values import fold, parse_datetime

# (working tab, its archive): the archive has the working tab's contract columns, in the same order.
PAIRS: tuple[tuple[Tab, Tab], ...] = ((sheet.ORDERS, sheet.ORDERS_ARCHIVE), (sheet.JOURNAL, sheet.JOURNAL_ARCHIVE))


def archived(sales: pd.DataFrame, now: datetime, config: Config) -> set[str]:
    """The codes of the sales archived at ``now``: ``archive_after_days`` after the end of their timeline
    (the follow-up and the recaps included); none when ``archive_after_days`` is 0."""
    days = config.store.archive_after_days
    if days <= 0 or sales.empty:
        return set()
    found = set()
    for _, sale in sales.iterrows():
        end = max(step.until for step in schedule.timeline(sale, config.schedule))
        if now >= end + timedelta(days=days):
            found.add(str(sale["code"]))
    return found


@dataclass
class Moves:
    """What archiving does at ``now``: ``changes`` to write first, ``grids`` the working tabs after them
    (by contract name), ``moved`` how many rows left each tab."""

    sales: set[str]
    emptied: set[str] = field(default_factory=set)  # the archived sales that had rows to move this time
    changes: Changes = field(default_factory=Changes)
    grids: dict[str, Grid] = field(default_factory=dict)
    moved: dict[str, int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.changes)


def move(grids: dict[str, Grid | None], sales: pd.DataFrame, now: datetime, config: Config) -> Moves:
    """The rows of archived sales in ``Commandes`` and ``Journal`` (and the journal's rows of no sale,
    such as the anomalies digest, older than ``archive_after_days``), moved to the archive tabs."""
    codes = archived(sales, now, config)
    moves = Moves(codes)
    if not codes:
        return moves
    folded = {fold(code) for code in codes}
    cutoff = now - timedelta(days=config.store.archive_after_days)
    for tab, archive in PAIRS:
        grid = grids.get(tab.name)
        if not grid or len(grid) < 2:
            continue
        header = [str(h).strip() for h in grid[0]]
        where = {name: header.index(text) for name, text in sheet.read_table(grid[:1], tab).headers.items()}
        if "Vente" not in where:
            continue  # a tab without its Vente column: Anomalies says so, nothing is moved

        def leaves(row: list, tab: Tab = tab, where: dict = where) -> bool:
            sale = str(_at(row, where["Vente"]))
            if sale.strip() or tab is not sheet.JOURNAL or "Date" not in where:
                return gone_by(sale, None, folded, cutoff)
            return gone_by(sale, parse_datetime(_at(row, where["Date"]), config.tz, required=False).value,
                           folded, cutoff)

        kept, gone = [grid[0]], []
        for row in grid[1:]:
            (gone if leaves(row) else kept).append(row)
        if not gone:
            continue
        moves.emptied |= {str(_at(row, where["Vente"])).strip() for row in gone} & codes
        layout = _layout(header, where, archive)
        moves.changes.replace[tab.name] = kept
        moves.changes.append[archive.name] = Append(archive.header + layout.extra,
                                                    [layout.row(row) for row in gone])
        moves.grids[tab.name] = kept
        moves.moved[tab.name] = len(gone)
    return moves


def gone_by(sale: str, when: datetime | None, folded: set[str], cutoff: datetime) -> bool:
    """Whether a row of ``sale`` (of no sale: sent at ``when``) belongs to the archive: its sale is archived
    (``folded``: their codes through ``fold``), or, of no sale (the anomalies digest), it is older than
    ``cutoff``."""
    if sale.strip():
        return fold(sale) in folded
    return when is not None and when < cutoff


def journal_rule(sales: set[str], now: datetime, config: Config):
    """``gone_by`` for the journal's entries: a send the archive holds is not missing from ``Journal``."""
    folded = {fold(code) for code in sales}
    cutoff = now - timedelta(days=config.store.archive_after_days)
    if config.store.archive_after_days <= 0:
        return lambda sale, when: False
    return lambda sale, when: gone_by(sale, when, folded, cutoff)


def _at(row: list, index: int):
    return row[index] if index < len(row) else ""


@dataclass
class _Layout:
    """Where each cell of a working row goes in the archive: the contract columns in the archive's order,
    then the columns people added, in their order (under their own header when the archive is new)."""

    positions: list[int | None]
    extra: list[str]

    def row(self, row: list) -> list:
        return [("" if i is None else _at(row, i)) for i in self.positions]


def _layout(header: list[str], where: dict[str, int], archive: Tab) -> _Layout:
    contract = [where.get(column) for column in archive.header]
    used = {i for i in contract if i is not None}
    extra = [i for i, text in enumerate(header) if text and i not in used]
    return _Layout(contract + extra, [header[i] for i in extra])



def settle(snap: Snapshot, store, config: Config, now: datetime) -> tuple[Snapshot, Moves]:
    """Before a run that writes: move what is due to the archive tabs, in one write of its own (before any
    email is sent), and return the snapshot as it stands after it, with the moves (to report)."""
    from . import catalogue as catalogue_module

    if config.store.archive_after_days <= 0:
        return snap, Moves(set())
    moves = move(snap.grids, catalogue_module.load(snap.tables, config.tz).sales, now, config)
    if not moves:
        return snap, moves
    store.write(moves.changes)
    return snapshot.assemble({**snap.grids, **moves.grids}, config), moves


def report(moves: Moves) -> str | None:
    """One French sentence for the run's report, or None when nothing moved."""
    if not moves:
        return None
    parts = [f"{plural(count, 'ligne')} de « {name} »" for name, count in moves.moved.items()]
    archives = " et ".join(f"« {a.name} »" for t, a in PAIRS if t.name in moves.moved)
    sales = sorted(moves.emptied)
    which = ", ".join(sales) if len(sales) <= 4 else f"{len(sales)} ventes, de {sales[0]} à {sales[-1]}"
    return f"Archivé : {' et '.join(parts)} des ventes terminées ({which}), déplacées dans {archives}."


# --- the derived tabs that keep every sale --------------------------------------------------------

# Tabs whose rows of archived sales stay where they are, as they are: not recomputed, carried over whole.
FROZEN: tuple[Tab, ...] = (sheet.BY_PRODUCER, sheet.SIGN_OFF)


def _split(grid: Grid | None, sales: set[str]) -> tuple[Grid | None, list[list]]:
    """``grid`` less its rows of ``sales`` (by its Vente column), and those rows."""
    if not grid or len(grid) < 2 or not sales:
        return grid, []
    header = [str(h).strip() for h in grid[0]]
    positions = [i for i, h in enumerate(header) if fold(h) == "vente"]
    if not positions:
        return grid, []
    at, folded = positions[0], {fold(code) for code in sales}
    kept, gone = [grid[0]], []
    for row in grid[1:]:
        (gone if fold(str(_at(row, at))) in folded else kept).append(row)
    return kept, gone


def without(grid: Grid | None, sales: set[str]) -> Grid | None:
    """A tab as read, less the rows of archived ``sales``: what the tool recomputes (and carries people's
    columns over from)."""
    return _split(grid, sales)[0]


def with_frozen(old: Grid | None, new: Grid, sales: set[str]) -> Grid:
    """``new`` (the live sales' rows) after the old tab's rows of archived ``sales``, cell for cell as they
    were. The header is the new one with any old column it lacks (a producer of an old sale, a column a
    person added) put back after the column it followed."""
    _, frozen = _split(old, sales)
    if not frozen:
        return new
    old_header = [str(h).strip() for h in old[0]]
    header = [str(h) for h in new[0]]
    for index, name in enumerate(old_header):
        if not name or any(fold(name) == fold(h) for h in header):
            continue
        before = next((j for j in range(index - 1, -1, -1)
                       if any(fold(old_header[j]) == fold(h) for h in header)), None)
        spot = 0 if before is None else next(k for k, h in enumerate(header) if fold(h) == fold(old_header[before])) + 1
        header.insert(spot, name)
    where = {fold(h): k for k, h in enumerate(header)}

    def laid_out(row: list, names: list[str]) -> list:
        out = [""] * len(header)
        for value, name in zip(row, names, strict=False):
            k = where.get(fold(name)) if name else None
            if k is not None:
                out[k] = value
        return out

    new_header = [str(h) for h in new[0]]
    return [header, *(laid_out(row, old_header) for row in frozen), *(laid_out(row, new_header) for row in new[1:])]
