"""The store seam: read every tab a run needs in one operation, write every change in one operation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ..sheet import Grid, cell, trim
from ..values import is_blank
from .layout import Layout, Owner, arrange


@dataclass
class Append:
    """Rows to add at the end of a tab, laid out under its current header; ``header`` is written
    first when the tab is missing or empty."""

    header: list[str]
    rows: list[list]


@dataclass
class Changes:
    """All that one run writes: whole derived tabs (header included), and rows appended to tabs that
    people own. A human tab is never in ``replace`` except when ``init`` fills an empty tab."""

    replace: dict[str, Grid] = field(default_factory=dict)
    append: dict[str, Append] = field(default_factory=dict)
    # Derived tabs people may type in: which columns are the tool's and which identify a row. A store lays
    # such a tab onto what it holds at the moment of writing (``layout.arrange``), never onto what the run
    # read at its start: what people typed meanwhile stays.
    owners: dict[str, Owner] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.replace) or any(a.rows for a in self.append.values())

    def without_unchanged(self, current: dict[str, Grid | None]) -> Changes:
        """The same changes less the tabs whose new content equals what was read: a run that finds
        nothing new writes nothing (no quota spent, no file rewritten)."""
        replace = {name: grid for name, grid in self.replace.items() if not same_grid(current.get(name), grid)}
        return Changes(replace, dict(self.append), {n: o for n, o in self.owners.items() if n in replace})

    def laid_onto(self, current: Callable[[str], Grid | None]) -> dict[str, Layout]:
        """Each replaced tab as it will be once written onto the tab as it is now (``current(name)``): people's
        cells from ``current``, the tool's from this run (``layout.arrange``); tabs without an owner whole."""
        laid = {}
        for name, grid in self.replace.items():
            owner = self.owners.get(name)
            laid[name] = arrange(current(name), grid, owner) if owner is not None else Layout(grid, rewrite=True)
        return laid


ELLIPSIS = "…"


def fit(text: str, limit: int, size: Callable[[str], int] = len) -> str:
    """``text`` as a cell that holds at most ``limit`` characters (as ``size`` counts them) accepts it: whole, or
    cut with an ellipsis as its last character, so that the cut shows. Each store applies it once, at its own
    limit, to every text it writes (``google.MAX_CELL_CHARS``, ``xlsx_patch.MAX_CELL_CHARS``); nothing else in
    the tool cuts what people typed."""
    if size(text) <= limit:
        return text
    cut = text[:limit - 1]
    while size(cut) > limit - 1:  # characters that count double (UTF-16 surrogate pairs in Excel): drop enough
        cut = cut[:len(cut) - max(1, (size(cut) - (limit - 1) + 1) // 2)]
    return cut + ELLIPSIS


def _cut_of(read: Any, written: Any) -> bool:
    """Whether a cell read back is what a store's ``fit`` made of the text written."""
    return (type(read) is str and type(written) is str and read.endswith(ELLIPSIS) and len(written) >= len(read)
            and written.startswith(read[:-1]))


def same_grid(old: Grid | None, new: Grid) -> bool:
    """Whether two grids show the same cells (trailing blanks ignored; 12 and 12.0 alike)."""
    if old is None:
        return False
    a = trim(old)
    if len(a) == len(new) and all(x == y or x == _trimmed(y) for x, y in zip(a, new, strict=True)):
        return True  # row by row as lists (compared in C): most runs rewrite tabs that did not change
    if len(a) != len(new) and new and any(not is_blank(cell(v)) for v in new[-1]):
        return False  # another number of rows (the new grid does not end with empty rows to trim)
    b = trim([[cell(v) for v in row] for row in new])
    if len(a) != len(b):
        return False
    for row_a, row_b in zip(a, b, strict=True):
        if len(row_a) != len(row_b):
            return False
        for x, y in zip(row_a, row_b, strict=True):
            if isinstance(x, datetime) and type(y) is str and y == x.strftime("%d/%m/%Y") and \
                    x.hour == x.minute == x.second == 0:
                continue  # a day the tool writes as a real date (``stores/formats.py``) reads back at midnight
            x = x if type(x) is bool else cell(x)  # a checkbox read back is a boolean, not « oui »
            if x != y and not (isinstance(x, (int, float)) and isinstance(y, (int, float)) and float(x) == float(y)) \
                    and not _cut_of(x, y):
                return False
    return True


def _trimmed(row: list) -> list:
    """A row less its trailing empty strings (how a grid as read ends its rows)."""
    end = len(row)
    while end and row[end - 1] == "":
        end -= 1
    return row[:end] if end < len(row) else row


class Store(Protocol):
    def read(self, tabs: Sequence[str]) -> dict[str, Grid | None]:
        """The content of each named tab (matched ignoring case and accents), ``None`` for a missing tab."""
        ...

    def write(self, changes: Changes) -> None:
        """Apply all changes at once: either everything is written or nothing is."""
        ...

    def exists(self) -> bool:
        """Whether the workbook exists at all (``init`` creates it; every other job needs it)."""
        ...

    def describe(self) -> str:
        """Where the data is, in French, for messages (« le classeur paniers.xlsx »)."""
        ...


def warnings(store: Store, config) -> list[str]:
    """French warnings about the store itself, after a read (e.g. a Google Sheet kept in another time zone
    than the group's, which would shift every form timestamp). Stores without any have no such method."""
    check = getattr(store, "time_zone_warning", None)
    found = check(config.group.timezone) if check is not None else None
    return [found] if found else []
