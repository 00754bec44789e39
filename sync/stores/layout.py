"""Where a derived tab's rows go when it is rewritten while people may be typing in it (pure).

People type in derived tabs: ``Payé`` and ``Remarques`` in ``Émargement`` on distribution day, a column of
their own in ``Commandes``. A run reads the workbook, sends its emails (minutes, sometimes), then writes.
Anything typed in between must survive the write, so a derived tab is never written from what the run read
at its start. The store reads the tab again just before writing (``fresh``), and ``arrange`` lays the run's
rows (``planned``) onto it:

- the rows of ``fresh`` stay where they are, cell for cell in every column the tool does not write (people's
  cells are taken from ``fresh``, never from what the run read earlier);
- a row of ``fresh`` the tool no longer produces is removed, unless someone typed in it (it then stays, as it
  is, where it is);
- a new row is inserted where the planned order puts it (before the next planned row already in the tab);
- the tool's columns of every row hold the planned values.

Rows never move, so on Google Sheets the write can leave people's cells out entirely: rows are inserted and
removed with ``insertDimension``/``deleteDimension`` (Google moves the cells of a row together, whoever typed
them and whenever) and only the tool's columns are written (``Layout.spans``). Nothing a person types, at any
moment, is written over. The local workbook is written whole, from ``grid``; its store checks that the file
did not change between that re-read and the rename, and starts again if it did (``stores/local.py``).

When the tool's columns themselves change (a producer's column appears in ``Émargement``, a person deleted
or renamed a column), the tab is rewritten whole (``Layout.rewrite``), people's cells still taken from
``fresh`` by row key: only a value typed in the instant between the re-read and the write could then be
lost, and only in the run that changes the columns.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from ..sheet import Grid, cell, trim
from ..values import fold, is_blank


@dataclass(frozen=True)
class Owner:
    """Which columns of a derived tab are the tool's, and which columns identify a row."""

    key: tuple[str, ...]
    tool: tuple[str, ...]  # the tool's columns, as in the planned header

    @property
    def folded(self) -> frozenset[str]:
        return frozenset(fold(c) for c in self.tool)


@dataclass
class Layout:
    """A derived tab as it will be once written, and how to get there from ``fresh``."""

    grid: Grid  # the whole tab as it will read
    rewrite: bool = False  # True: write ``grid`` whole (the tool's columns changed); False: the steps below
    deleted: list[int] = field(default_factory=list)  # rows of ``fresh`` removed (0-based, the header is 0)
    inserted: list[int] = field(default_factory=list)  # rows of ``grid`` that are new (0-based)
    spans: list[tuple[int, int]] = field(default_factory=list)  # [start, end) of the tool's columns in ``grid``


def row_key(row: list, positions: list[int]) -> tuple:
    """A row's key as ``sheet.carry_over`` compares it: each key cell as text, trimmed, lower-case."""
    return tuple(str(cell(row[i] if i < len(row) else "")).strip().lower() for i in positions)


def arrange(fresh: Grid | None, planned: Grid, owner: Owner) -> Layout:
    """``planned`` (the run's rows, header first) laid onto the tab as it is now (``fresh``)."""
    fresh = trim(fresh or [])
    if not fresh or not planned:
        return Layout(planned, rewrite=True)
    header = [str(h).strip() for h in fresh[0]]
    wanted = [str(h).strip() for h in planned[0]]
    tool = owner.folded
    where = {}
    for i, name in enumerate(header):
        where.setdefault(fold(name), i)
    mapping = {}  # column of ``fresh`` -> column of ``planned``, for the tool's columns
    for j, name in enumerate(wanted):
        if fold(name) not in where:
            return _rewrite(fresh, planned, owner)  # a column to add: the whole tab is written
        if fold(name) in tool:
            mapping[where[fold(name)]] = j
    if [fold(h) for h in header if fold(h) in tool] != [fold(h) for h in wanted if fold(h) in tool] or \
            any(fold(k) not in tool or fold(k) not in where for k in owner.key):
        return _rewrite(fresh, planned, owner)
    fresh_keys = [where[fold(k)] for k in owner.key]
    planned_keys = [wanted.index(next(h for h in wanted if fold(h) == fold(k))) for k in owner.key]
    people = [i for i, name in enumerate(header) if i not in mapping]

    order: dict[tuple, list[int]] = {}  # a key's planned rows (a key twice is matched twice, in order)
    for p in range(len(planned) - 1, 0, -1):
        order.setdefault(row_key(planned[p], planned_keys), []).append(p)
    matched: dict[int, int] = {}  # row of fresh -> row of planned
    kept: list[int] = []
    deleted: list[int] = []
    for i, row in enumerate(fresh[1:], start=1):
        rows = order.get(row_key(row, fresh_keys))
        if rows:
            matched[i] = rows.pop()
            kept.append(i)
        elif any(not is_blank(row[c]) for c in people if c < len(row)):
            kept.append(i)  # someone typed in it: it stays, as it is
        else:
            deleted.append(i)
    new = sorted(set(range(1, len(planned))) - set(matched.values()))

    width = len(header)
    grid: Grid = [list(fresh[0]) + [""] * (width - len(fresh[0]))]
    inserted: list[int] = []
    taken = 0  # how many of ``new`` are placed

    def place_new(before: int) -> None:
        nonlocal taken
        end = bisect_left(new, before)
        for p in new[taken:end]:
            inserted.append(len(grid))
            grid.append(_laid_out(planned[p], wanted, header))
        taken = max(taken, end)

    for i in kept:
        if i in matched:
            place_new(matched[i])
            grid.append(_updated(fresh[i], planned[matched[i]], mapping, width))
        else:
            grid.append(list(fresh[i]) + [""] * (width - len(fresh[i])))
    place_new(len(planned))
    return Layout(trim(grid), deleted=deleted, inserted=inserted, spans=runs(sorted(mapping)))


def _rewrite(fresh: Grid, planned: Grid, owner: Owner) -> Layout:
    """The whole tab from ``planned``, its people's cells taken from ``fresh`` by row key (``carry_over``'s rule,
    once more, on the tab as it is now)."""
    header = [str(h).strip() for h in fresh[0]]
    wanted = [str(h).strip() for h in planned[0]]
    tool = owner.folded
    try:
        fresh_keys = [next(i for i, h in enumerate(header) if fold(h) == fold(k)) for k in owner.key]
        planned_keys = [next(j for j, h in enumerate(wanted) if fold(h) == fold(k)) for k in owner.key]
    except StopIteration:
        return Layout(planned, rewrite=True)
    rows = {row_key(row, fresh_keys): row for row in reversed(fresh[1:])}
    people = {j: next((i for i, h in enumerate(header) if fold(h) == fold(name)), None)
              for j, name in enumerate(wanted) if fold(name) not in tool}
    grid = [list(planned[0])]
    for row in planned[1:]:
        row = list(row) + [""] * (len(wanted) - len(row))
        now = rows.get(row_key(row, planned_keys))
        if now is not None:
            for j, i in people.items():
                if i is not None:
                    row[j] = now[i] if i < len(now) else ""
        grid.append(row)
    return Layout(grid, rewrite=True)


def _updated(row: list, planned_row: list, mapping: dict[int, int], width: int) -> list:
    out = list(row) + [""] * (width - len(row))
    for i, j in mapping.items():
        out[i] = planned_row[j] if j < len(planned_row) else ""
    return out


def _laid_out(row: list, wanted: list[str], header: list[str]) -> list:
    """A planned row under the tab's header (people's cells of a new row: what the run planned for them)."""
    position = {fold(h): j for j, h in enumerate(wanted)}
    out: list[Any] = []
    for name in header:
        j = position.get(fold(name))
        out.append(row[j] if j is not None and j < len(row) else "")
    return out


def runs(indexes: list[int]) -> list[tuple[int, int]]:
    """Sorted indexes as [start, end) runs of consecutive ones (columns to write, rows to insert or remove)."""
    found: list[tuple[int, int]] = []
    for i in indexes:
        if found and found[-1][1] == i:
            found[-1] = (found[-1][0], i + 1)
        else:
            found.append((i, i + 1))
    return found


__all__ = ["Layout", "Owner", "arrange", "row_key", "runs"]
