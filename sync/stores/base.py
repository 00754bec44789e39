"""The store seam: read every tab a run needs in one operation, write every change in one operation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..sheet import Grid


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

    def __bool__(self) -> bool:
        return bool(self.replace) or any(a.rows for a in self.append.values())


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
