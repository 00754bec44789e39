"""People type in the shared sheet while cron runs: nothing they type is ever lost.

On distribution day volunteers tick ``Payé``, type ``Remarques`` and fill a column of their own in
``Émargement`` while ``tick`` runs every 15 minutes; phone orders keep arriving in ``Saisie manuelle``, so each
tick inserts households in the middle of the tab (it is sorted by name) and rewrites it. The volunteers type at
random moments of the ticks:

- on Google Sheets, between any two of a tick's requests (``FakeSheetsAPI.meanwhile``: between its first read
  and its write a tick composes and sends every email, which is where typing used to be lost);
- on the local workbook, by saving the file from another program (as LibreOffice does: a new file renamed over
  it) after the tick read it, or while the tick is making its own save.

Every value typed must be in the row of the household it was typed for at the end, and no row twice.
"""

from __future__ import annotations

import os
import random
from datetime import timedelta

import pytest
from conftest import at
from fakes.sheets_api import Checkbox, FakeSheetsAPI
from openpyxl import load_workbook
from test_cycle import group

from sync import config as config_module
from sync import sheet
from sync.commands import Context, tick
from sync.stores import LocalWorkbookStore
from sync.stores.google import GoogleSheetsStore
from sync.stores.retry import Backoff
from sync.values import fold

SHEET_ID = "1PaniersLiveEditsSheet"
OWN = "Chèque n°"  # a column a volunteer added to Émargement
FIRST = ["Alice", "Basile", "Capucine", "Dimitri", "Eva", "Fanny", "Gaston", "Hugo", "Inès", "Jules", "Katia",
         "Léon", "Margot", "Noé", "Olga", "Paul", "Quentin", "Rose", "Simon", "Théo"]
LAST = ["Abadie", "Zola", "Moulin", "Bernard", "Yvon", "Petit", "Garnier", "Roux", "Lemoine", "Faure", "Chevalier",
        "Aubry", "Vidal", "Noël", "Carré", "Dumas", "Leroy", "Hamon", "Colin", "Marchand"]


def phone_order(number: int, moment) -> list[list]:
    """A household calls the coordinator, who types its order into Saisie manuelle."""
    stamp = moment.strftime("%d/%m/%Y %H:%M")
    email = f"appel{number}@example.org"
    return [[stamp, email, LAST[number % len(LAST)], FIRST[number % len(FIRST)], "", "PAIN1", "1", "2026-12"],
            [stamp, email, LAST[number % len(LAST)], FIRST[number % len(FIRST)], "", "OEU1", "1", "2026-12"]]


class Volunteers:
    """People typing into Émargement at random moments: what they typed, by household and column."""

    def __init__(self, seed: int, idle: float = 0.4):
        self.rng = random.Random(seed)
        self.idle = idle  # how often they are busy elsewhere when they could type
        self.expected: dict[tuple[str, str], object] = {}
        self.count = 0

    def pick(self, grid: list[list]) -> tuple[int, str, str, object] | None:
        """A row (1-based), its household, a column to type in and the value (None: nothing typed now)."""
        header = [str(h) for h in grid[0]] if grid else []
        if "Email" not in header or len(grid) < 2 or self.rng.random() < self.idle:
            return None
        number = self.rng.randrange(2, len(grid) + 1)
        row = grid[number - 1]
        email = row[header.index("Email")] if header.index("Email") < len(row) else ""
        if not email:
            return None
        self.count += 1
        column = self.rng.choice(["Payé", "Remarques", OWN])
        value = {"Payé": True, "Remarques": f"remarque {self.count}", OWN: f"{1_000_000 + self.count}"}[column]
        self.expected[(email, column)] = value
        return number, email, column, value

    def lost(self, grid: list[list]) -> list[tuple]:
        header = [str(h) for h in grid[0]]
        rows = {}
        for row in grid[1:]:
            email = row[header.index("Email")]
            assert email not in rows, f"{email} twice in Émargement"
            rows[email] = row
        missing = []
        for (email, column), value in self.expected.items():
            row = rows.get(email, [])
            index = header.index(column)
            held = row[index] if index < len(row) else None
            if str(held) != str(value) and not (value is True and held is True):
                missing.append((email, column, value, held))
        return missing


def volunteer_column(grid: list[list]) -> int:
    """Where the volunteers' own column is (1-based), added after the last header cell if it is not there."""
    header = [str(h) for h in grid[0]]
    return header.index(OWN) + 1 if OWN in header else len(header) + 1


# --- on Google Sheets ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
def test_nothing_typed_in_the_google_sheet_during_ticks_is_lost(tmp_path, seed):
    api = FakeSheetsAPI()
    tabs = {name: [list(row) for row in rows] for name, rows in group().tabs.items()}
    book = api.create(SHEET_ID, tabs=tabs, typed=True)
    config = config_module.from_dict({"group": {"coordinator_email": "animation@example.org"}}, base_dir=tmp_path)
    people = Volunteers(seed)

    def store():
        return GoogleSheetsStore(api.session(), SHEET_ID, account=api.account, backoff=Backoff(sleep=lambda s: None))

    def type_now(call) -> None:
        if "Émargement" not in book.titles():
            return
        grid = book.values("Émargement")
        if OWN not in [str(h) for h in grid[0]]:
            book.type("Émargement", 1, volunteer_column(grid), OWN)
            grid = book.values("Émargement")
        chosen = people.pick(grid)
        if chosen is None:
            return
        number, _email, column, value = chosen
        at_column = [str(h) for h in grid[0]].index(column) + 1
        book.type("Émargement", number, at_column, Checkbox(True) if value is True else value)

    moment, calls = at("2026-12-04 08:00"), 0
    for number in range(8):
        manual = book.values(sheet.MANUAL.name)
        for offset, row in enumerate(phone_order(number, moment - timedelta(minutes=5)), start=len(manual) + 1):
            for column, text in enumerate(row, start=1):
                book.type(sheet.MANUAL.name, offset, column, text)
        api.meanwhile = type_now if number else None  # the first tick writes the tab for the first time
        lines: list[str] = []
        assert tick.once(Context(config, store(), moment, lines.append)).code == 0, lines
        calls += len(api.calls)
        api.reset()
        moment += timedelta(minutes=15)

    grid = book.values("Émargement")
    assert people.count >= 5, "the volunteers typed too little to prove anything"
    print(f"\nFIGURES typing on Google (seed {seed}): 8 ticks, {calls} requests, {people.count} values typed "
          f"between requests, {len(people.lost(grid))} lost")
    assert people.lost(grid) == []
    names = [row[1] for row in grid[1:] if row[0] == "2026-12"]
    assert len(names) == 4 + 8  # the households of test_cycle's sale with something to collect, and the callers
    assert names == sorted(names, key=fold)  # each newcomer inserted where the alphabet puts it


# --- on the local workbook ----------------------------------------------------------------------

class SavedMeanwhile(LocalWorkbookStore):
    """The local store, with a volunteer who saves the workbook from another program (a new file renamed over
    it, as LibreOffice saves) right after a tick read it, or while the tick is making its own save."""

    def __init__(self, path, people: Volunteers):
        super().__init__(path)
        self.people = people
        self.saves_during_write = 0

    def read(self, tabs):
        found = super().read(tabs)
        volunteer_saves(self.path, self.people)
        return found

    def _write(self, replace, changes, seen):
        if self.saves_during_write < 1 and self.people.rng.random() < 0.5:  # once a tick at most: it is retried
            self.saves_during_write += 1
            volunteer_saves(self.path, self.people)
        super()._write(replace, changes, seen)


def volunteer_saves(path, people: Volunteers) -> None:
    book = load_workbook(path)
    if "Émargement" not in book.sheetnames:
        return
    tab = book["Émargement"]
    grid = [[("" if v is None else v) for v in row] for row in tab.iter_rows(values_only=True)]
    if OWN not in [str(h) for h in grid[0]]:
        tab.cell(row=1, column=volunteer_column(grid), value=OWN)
        grid[0] = [*grid[0], OWN]
    chosen = people.pick(grid)
    if chosen is None:
        return
    number, _email, column, value = chosen
    tab.cell(row=number, column=[str(h) for h in grid[0]].index(column) + 1, value=value)
    temporary = path.with_name("lu123.tmp")
    book.save(temporary)
    os.replace(temporary, path)


@pytest.mark.parametrize("seed", range(4))
def test_nothing_saved_in_the_local_workbook_during_ticks_is_lost(tmp_path, seed):
    path = tmp_path / "paniers.xlsx"
    LocalWorkbookStore(path).write(group_changes())
    config = config_module.from_dict({"group": {"coordinator_email": "animation@example.org"},
                                      "store": {"path": str(path)}}, base_dir=tmp_path)
    people = Volunteers(seed, idle=0.1)
    moment = at("2026-12-04 08:00")
    for number in range(8):
        book = load_workbook(path)
        for row in phone_order(number, moment - timedelta(minutes=5)):
            book[sheet.MANUAL.name].append(row)
        book.save(path)
        store = SavedMeanwhile(path, people) if number else LocalWorkbookStore(path)
        lines: list[str] = []
        assert tick.once(Context(config, store, moment, lines.append)).code == 0, lines
        moment += timedelta(minutes=15)

    grid = LocalWorkbookStore(path).read(["Émargement"])["Émargement"]
    assert people.count >= 5, "the volunteers typed too little to prove anything"
    print(f"\nFIGURES saving the local workbook (seed {seed}): 8 ticks, {people.count} values saved during them, "
          f"{len(people.lost(grid))} lost")
    assert people.lost(grid) == []
    names = [row[1] for row in grid[1:] if row[0] == "2026-12"]
    assert len(names) == 4 + 8 and names == sorted(names, key=fold)


def group_changes():
    from sync.stores import Changes

    return Changes(replace={name: [list(row) for row in rows] for name, rows in group().tabs.items()})
