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

Columns are laid out the same way. When the tool's columns change (a producer joins the sale and gets a column
in ``Émargement``, or leaves it: ``Owner.dropped``), the tab's own columns stay in their order; a dropped column
of the tool's is removed (``Layout.columns_deleted``) and a planned column the tab lacks is inserted where the
planned order puts it, before the next planned column the tab has (``Layout.columns_inserted``). On Google
Sheets that is ``deleteDimension``/``insertDimension`` over COLUMNS: each of people's columns keeps its cells,
formats, data validation and width, under its own header. A column the tab has and the planned header lacks,
not dropped, is people's (added since the run read the tab): it stays. The tool's columns in another order
than planned (the producers reordered in ``Producteurs``) are not moved: the places the tool's columns hold take
them in the planned order, as the write gives all their cells, number formats and widths anyway (a colour a
person put on a producer's column stays with the place, not the producer).

Only when the columns cannot be matched is the tab rewritten whole (``Layout.rewrite``, people's cells still
taken from ``fresh`` by row key, values only): a key column missing from the tab or not the tool's, or a column
of the tool's in it twice. Then only a value typed in the instant between the re-read and the write could be
lost, and on Google people's formats, validations and widths stay where the columns were.
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
    # the tool's columns of the tab as the run read it that it no longer writes (a producer without orders left
    # Émargement): removed from the tab; any other column the tab has and the planned header lacks is people's
    dropped: tuple[str, ...] = ()

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
    spans: list[tuple[int, int]] = field(default_factory=list)  # [start, end) of the columns to write in ``grid``
    columns_deleted: list[int] = field(default_factory=list)  # columns of ``fresh`` removed (0-based)
    columns_inserted: list[int] = field(default_factory=list)  # columns of ``grid`` that are new (0-based)


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
    planned_names = {fold(name) for name in wanted}
    gone = {fold(name) for name in owner.dropped} - planned_names
    where = {}
    for i, name in enumerate(header):
        where.setdefault(fold(name), i)
    dropped = [i for i, name in enumerate(header) if fold(name) in gone]  # the tool's columns it no longer writes
    slots = [i for i, name in enumerate(header) if fold(name) in tool]  # where the tab has the tool's columns
    present = [name for name in wanted if fold(name) in tool and fold(name) in where]
    # Whole rewrite, the fallback, when the columns cannot be matched: a key column is not the tool's or not in
    # the tab (rows cannot be matched), or a column of the tool's is in the tab twice.
    if any(fold(k) not in tool or fold(k) not in where for k in owner.key) or len(slots) != len(present):
        return _rewrite(fresh, planned, owner)
    # The tool's columns the tab has hold them in the planned order (the producers reordered in Producteurs): each
    # slot takes the planned one of its rank. Nothing of people's is in them (the write gives every cell, number
    # format and width of the tool's columns), so they are relabelled rather than moved (``moveDimension``, more
    # requests), and people's columns stay where they are.
    label = {i: name for i, name in zip(slots, present, strict=True)}
    source = {i: where[fold(name)] for i, name in label.items()}  # where a slot's column is in ``fresh``

    def name_of(entry: tuple[str, int]) -> str:
        origin, index = entry
        return wanted[index] if origin == "new" else label.get(index, header[index])

    # The columns as they will be: the tab's own, less the dropped ones, each planned column it lacks inserted
    # where the planned order puts it (before the next planned column the tab has, else after the previous one).
    columns: list[tuple[str, int]] = [("fresh", i) for i in range(len(header)) if i not in dropped]
    for j, name in enumerate(wanted):
        if fold(name) in where:
            continue
        names = [fold(name_of(entry)) for entry in columns]
        anchor = next((names.index(fold(w)) for w in wanted[j + 1:] if fold(w) in names), None)
        if anchor is None:
            anchor = next((names.index(fold(w)) + 1 for w in reversed(wanted[:j]) if fold(w) in names), len(names))
        columns.insert(anchor, ("new", j))
    mapping = {}  # column of the grid -> column of ``planned``: the tool's columns and the inserted ones
    for c, (origin, index) in enumerate(columns):
        if origin == "new":
            mapping[c] = index
        elif index in label:
            mapping[c] = wanted.index(next(w for w in wanted if fold(w) == fold(label[index])))
    inserted_columns = [c for c, (origin, _) in enumerate(columns) if origin == "new"]
    fresh_keys = [where[fold(k)] for k in owner.key]
    planned_keys = [wanted.index(next(h for h in wanted if fold(h) == fold(k))) for k in owner.key]
    people = [i for i, name in enumerate(header) if fold(name) not in tool and i not in dropped]
    new_header = [name_of(entry) for entry in columns]

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

    grid: Grid = [[fresh[0][source.get(i, i)] if origin == "fresh" else wanted[i] for origin, i in columns]]
    inserted: list[int] = []
    taken = 0  # how many of ``new`` are placed

    def place_new(before: int) -> None:
        nonlocal taken
        end = bisect_left(new, before)
        for p in new[taken:end]:
            inserted.append(len(grid))
            grid.append(_laid_out(planned[p], wanted, new_header))
        taken = max(taken, end)

    for i in kept:
        row = [cell_at(fresh[i], source.get(index, index)) if origin == "fresh" else "" for origin, index in columns]
        if i in matched:
            place_new(matched[i])
            grid.append(_updated(row, planned[matched[i]], mapping))
        else:
            grid.append(row)
    place_new(len(planned))
    return Layout(trim(grid), deleted=deleted, inserted=inserted, spans=runs(sorted(mapping)),
                  columns_deleted=dropped, columns_inserted=inserted_columns)


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


def cell_at(row: list, column: int) -> Any:
    return row[column] if column < len(row) else ""


def _updated(row: list, planned_row: list, mapping: dict[int, int]) -> list:
    out = list(row)
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
