"""Everything a run needs from the workbook, read in one call to the store."""

from __future__ import annotations

from dataclasses import dataclass

from . import sheet
from .config import Config
from .sheet import Grid, Tab, Table
from .stores.base import Store


def contract_tabs(config: Config) -> list[Tab]:
    """Every tab of the contract, the form's response tab under its configured name."""
    return [sheet.responses_tab(config.store.responses_tab) if t is sheet.RESPONSES else t for t in sheet.ALL_TABS]


@dataclass
class Snapshot:
    grids: dict[str, Grid | None]  # by contract name, as read
    tables: dict[str, Table]  # by contract name (the response tab under ``sheet.RESPONSES.name``)

    def table(self, tab: Tab) -> Table:
        return self.tables[tab.name]

    def grid(self, tab: Tab) -> Grid | None:
        return self.grids[tab.name]

    @property
    def problems(self):
        """Problems in the tabs' structure (missing tab, missing column, duplicated header): all in the headers,
        so a tab not read in full yet (see ``_Tables``) has them already."""
        return [p for table in self.tables.values() for p in table.problems]


class _Tables(dict):
    """The tables by contract name. The tool's own tabs (the derived ones and the journal) are read into
    a table only when someone asks for one: their grids are what the run uses, and ten years of
    ``Commandes`` or ``Journal`` rows are hundreds of thousands of cells. Until then each holds a table of
    its header alone, which carries the same structure problems (``read_table`` finds them in the header)."""

    def __init__(self, lazy: dict[str, tuple[Grid, Tab]]):
        super().__init__()
        self._lazy = lazy

    def __getitem__(self, name: str) -> Table:
        if name in self._lazy:
            grid, tab = self._lazy.pop(name)
            super().__setitem__(name, sheet.read_table(grid, tab))
        return super().__getitem__(name)

    def get(self, name, default=None):
        return self[name] if name in self else default  # noqa: SIM401 (dict.get would skip __getitem__)


def read(store: Store, config: Config) -> Snapshot:
    """One read for every tab of the contract."""
    tabs = contract_tabs(config)
    raw = store.read([t.name for t in tabs])
    return assemble({canonical.name: raw.get(tab.name) for tab, canonical in zip(tabs, sheet.ALL_TABS, strict=True)},
                    config)


def assemble(grids: dict[str, Grid | None], config: Config) -> Snapshot:
    """The snapshot of these grids (by contract name: the response tab under ``sheet.RESPONSES.name``)."""
    lazy: dict[str, tuple[Grid, Tab]] = {}
    tables = _Tables(lazy)
    for tab, canonical in zip(contract_tabs(config), sheet.ALL_TABS, strict=True):
        grid = grids.get(canonical.name)
        own = canonical.derived or canonical is sheet.JOURNAL
        if grid is None and (own or canonical.optional):
            # derived tabs and the journal are the tool's own: a missing one is simply created;
            # an optional human tab (Pesées) that is missing simply holds nothing yet
            grid = [tab.header]
        if own:
            lazy[canonical.name] = (grid, tab)
            dict.__setitem__(tables, canonical.name, sheet.read_table(grid[:1], tab))
        else:
            tables[canonical.name] = sheet.read_table(grid, tab)
    return Snapshot(dict(grids), tables)
