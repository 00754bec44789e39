"""A store in memory, for tests: the same behaviour as the others, and a record of every call."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from ..sheet import Grid, find_title, trim
from .base import Changes


class MemoryStore:
    def __init__(self, tabs: dict[str, Grid] | None = None):
        self.tabs: dict[str, Grid] = {name: trim(grid) for name, grid in (tabs or {}).items()}
        self.reads = 0
        self.writes = 0

    def read(self, tabs: Sequence[str]) -> dict[str, Grid | None]:
        self.reads += 1
        result: dict[str, Grid | None] = {}
        for name in tabs:
            title = find_title(list(self.tabs), name)
            grid = self.tabs[title] if title is not None else None
            result[name] = (
                [["" if v is None else copy.copy(v) for v in row] for row in grid] if grid is not None else None
            )
        return result

    def write(self, changes: Changes) -> None:
        if not changes:
            return
        self.writes += 1
        laid = changes.laid_onto(lambda name: self.tabs.get(find_title(list(self.tabs), name) or name))
        for name, layout in laid.items():
            title = find_title(list(self.tabs), name) or name
            self.tabs[title] = trim(copy.deepcopy(layout.grid))
        for name, append in changes.append.items():
            if not append.rows:
                continue
            title = find_title(list(self.tabs), name) or name
            current = self.tabs.get(title) or []
            if not current:
                current = [list(append.header)]
            self.tabs[title] = trim([*current, *copy.deepcopy(append.rows)])

    def exists(self) -> bool:
        return True

    def describe(self) -> str:
        return "le classeur en mémoire"
