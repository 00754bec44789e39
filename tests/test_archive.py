"""Finished sales leave ``Commandes`` and ``Journal`` for the archive tabs (``sync/archive.py``): only once
nothing of the sale can be due, every cell moved as it was (a person's column included), nothing sent
again, on every store; and a run that finds nothing to archive writes nothing for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import at
from plain import into, plain
from test_store_contract import make  # noqa: F401 (the fixture: one store of each kind)

from sync import archive, demo, schedule, sheet
from sync import catalogue as catalogue_module
from sync import config as config_module
from sync import snapshot as snapshot_module
from sync.commands import Context, tick
from sync.errors import ConfigError
from sync.stores import Changes

TABS = [t.name for t in (*sheet.ALL_TABS, *sheet.ARCHIVE_TABS)]


def demo_sales(config):
    grids = demo.build()
    snap = snapshot_module.assemble({t.name: grids.get(t.name) for t in sheet.ALL_TABS}, config)
    return catalogue_module.load(snap.tables, config.tz).sales


def test_a_sale_is_archived_only_once_nothing_of_it_can_be_due_plus_the_delay(tmp_path):
    config = config_module.from_dict({"store": {"archive_after_days": 30}}, base_dir=tmp_path)
    sales = demo_sales(config)
    november = sales[sales["code"] == "2026-11"].iloc[0]
    end = max(step.until for step in schedule.timeline(november, config.schedule))
    assert end == at("2026-11-27 19:00")  # the distribution's end and the follow-up's 14 days
    assert archive.archived(sales, end + timedelta(days=30) - timedelta(minutes=1), config) == set()
    assert archive.archived(sales, end + timedelta(days=30), config) == {"2026-11"}
    assert archive.archived(sales, at("2027-06-01 00:00"), config) == {"2026-11", "2026-12", "2026-NOEL"}
    never = config_module.from_dict({"store": {"archive_after_days": 0}}, base_dir=tmp_path)
    assert archive.archived(sales, at("2030-01-01 00:00"), never) == set()
    with pytest.raises(ConfigError, match="archive_after_days"):
        config_module.from_dict({"store": {"archive_after_days": -1}}, base_dir=tmp_path)


def test_rows_keep_every_cell_and_land_under_the_archive_header(tmp_path):
    config = config_module.from_dict({"store": {"archive_after_days": 10}}, base_dir=tmp_path)
    header = ["Email", "Vente", *sheet.ORDERS.header[2:], "Note d'Odile"]  # columns moved, one added
    old = ["a@example.org", "2026-11", "A", "FOUR", "PAIN1", "Pain", 1, 1, 4.5, 4.5, "non", "nouvelle", "x", "payé"]
    live = ["b@example.org", "2026-12", "B", "FOUR", "PAIN1", "Pain", 2, 2, 4.5, 9, "non", "nouvelle", "y"]
    journal = [sheet.JOURNAL.header,
               ["01/11/2026 10:00", "2026-11", "Confirmation", "a@example.org", "S", "k1", "<m1>"],
               ["02/11/2026 10:00", "", "Anomalies", "coord@example.org", "S", "k2", "<m2>"],  # no sale: by date
               ["01/12/2026 10:00", "", "Anomalies", "coord@example.org", "S", "k3", "<m3>"],
               ["01/12/2026 11:00", "2026-12", "Confirmation", "b@example.org", "S", "k4", "<m4>"]]
    moves = archive.move({"Commandes": [header, old, live], "Journal": journal}, demo_sales(config),
                         at("2026-12-08 12:00"), config)
    assert moves.sales == {"2026-11"} and moves.emptied == {"2026-11"}
    assert moves.grids["Commandes"] == [header, live]
    orders = moves.changes.append["Archives Commandes"]
    assert orders.header == [*sheet.ORDERS.header, "Note d'Odile"]
    assert orders.rows == [["2026-11", "a@example.org", *old[2:]]]
    assert moves.grids["Journal"] == [journal[0], journal[3], journal[4]]
    assert moves.changes.append["Archives Journal"].rows == [journal[1], journal[2]]
    assert moves.changes.replace == {"Commandes": [header, live], "Journal": moves.grids["Journal"]}
    assert "2 lignes de « Journal »" in plain(archive.report(moves))


def test_a_tick_moves_a_finished_sale_and_sends_nothing_again(make, tmp_path):  # noqa: F811
    grids = demo.build()
    store = make({name: grids.get(name, []) for name in (t.name for t in sheet.ALL_TABS)})
    config = config_module.from_dict({"store": {"archive_after_days": 10}}, base_dir=tmp_path)
    output: list[str] = []

    def run(moment: str) -> int:
        return tick.run(Context(config, store, at(moment), into(output)))

    assert run("2026-11-12 12:00") == 0  # November's orders are in; their confirmations go
    before = store.read(TABS)
    november = [row for row in before["Commandes"][1:] if row[0] == "2026-11"]
    sent = [row for row in before["Journal"][1:] if row[1] == "2026-11"]
    assert november and sent
    # a person adds a column to Commandes and writes in it, ticks « Payé » for a November household,
    # and, weeks later, the bakery raises its bread's price
    with_note = [[*before["Commandes"][0], "Note"], *[[*row, "vu"] for row in before["Commandes"][1:]]]
    sign_off = [list(row) for row in before["Émargement"]]
    paid = sign_off[0].index("Payé")
    first_november = next(row for row in sign_off[1:] if row[0] == "2026-11")
    first_november.extend([""] * (paid + 1 - len(first_november)))
    first_november[paid] = "oui"
    products = [list(row) for row in grids["Produits"]]
    next(row for row in products if row[0] == "PAIN1")[4] = "5,20"
    store.write(Changes(replace={"Commandes": with_note, "Émargement": sign_off, "Produits": products}))
    kept_as_they_were = {tab: [row for row in store.read([tab])[tab][1:] if row[0] == "2026-11"]
                         for tab in ("Par producteur", "Émargement")}
    outbox = sorted(p.name for p in (tmp_path / "outbox").glob("*.eml"))

    output.clear()
    assert run("2026-12-08 12:00") == 0  # November is over (and ten days more); December is open
    after = store.read(TABS)
    assert not [row for row in after["Commandes"][1:] if row[0] == "2026-11"]
    assert [row for row in after["Commandes"][1:] if row[0] == "2026-12"]  # December is still computed
    archived = after["Archives Commandes"]
    assert archived[0][:len(sheet.ORDERS.header)] == sheet.ORDERS.header
    assert [row[:len(sheet.ORDERS.header)] for row in archived[1:]] == november
    assert {row[-1] for row in archived[1:]} == {"vu"}  # the person's column came along
    assert [row for row in after["Archives Journal"][1:] if row[1] == "2026-11"] == sent
    assert not [row for row in after["Journal"][1:] if row[1] == "2026-11"]
    assert not [row for row in after["Anomalies"][1:] if row[0] == "2026-11"]
    new = sorted(p.name for p in (tmp_path / "outbox").glob("*.eml") if p.name not in outbox)
    assert new and not [name for name in new if "2026-11" in name]  # nothing of November is sent again
    assert any(line.startswith("Archivé :") for line in output), output
    for tab, rows in kept_as_they_were.items():  # November stays in these tabs, as it was: not recomputed
        now_rows = [row for row in after[tab][1:] if row[0] == "2026-11"]
        assert [[c for c in row if c not in ("", None)] for row in now_rows] == \
               [[c for c in row if c not in ("", None)] for row in rows], tab
    assert any("oui" in row for row in kept_as_they_were["Émargement"])

    output.clear()
    assert run("2026-12-08 12:30") == 0  # the next run: nothing left to move
    again = store.read(TABS)
    assert again["Archives Commandes"] == archived
    keys = [row[5] for row in (*again["Journal"][1:], *again["Archives Journal"][1:])]
    assert len(keys) == len(set(keys))  # every send in one place only: none lost, none recorded twice
    assert set(keys) >= {row[5] for row in before["Journal"][1:]}
    assert not any(line.startswith("Archivé :") for line in output), output


def test_frozen_rows_keep_their_columns_when_the_live_sales_have_other_producers():
    old = [["Vente", "Nom", "Email", "Ferme A", "Ferme B", "Total", "Payé", "Remarques"],
           ["2026-11", "Odile", "o@example.org", 12.5, 3, 15.5, "oui", "chèque 1234"],
           ["2026-12", "Jean", "j@example.org", "", 4, 4, "", ""]]
    new = [["Vente", "Nom", "Email", "Ferme B", "Ferme C", "Total", "Payé", "Remarques"],
           ["2026-12", "Jean", "j@example.org", 4, 2, 6, "", ""]]
    merged = archive.with_frozen(old, new, {"2026-11"})
    assert merged[0] == ["Vente", "Nom", "Email", "Ferme A", "Ferme B", "Ferme C", "Total", "Payé", "Remarques"]
    assert merged[1] == ["2026-11", "Odile", "o@example.org", 12.5, 3, "", 15.5, "oui", "chèque 1234"]
    assert merged[2] == ["2026-12", "Jean", "j@example.org", "", 4, 2, 6, "", ""]
    assert archive.without(old, {"2026-11"}) == [old[0], old[2]]
    assert archive.with_frozen(old, new, set()) == new


def test_on_google_the_month_a_sale_is_archived_costs_one_write_more(tmp_path):
    """Google Sheets: one read and one write a tick; the tick that archives writes the move first (three
    requests); the next, with nothing new, only reads."""
    from fakes.sheets_api import FakeSheetsAPI

    from sync.stores.google import GoogleSheetsStore
    from sync.stores.retry import Backoff

    grids = demo.build()
    api = FakeSheetsAPI()
    book = api.create("1ArchiveSheetId", tabs={t.name: grids.get(t.name, [t.header]) for t in sheet.ALL_TABS})
    store = GoogleSheetsStore(api.session(), "1ArchiveSheetId", account=api.account,
                              backoff=Backoff(sleep=lambda s: None))
    config = config_module.from_dict({"store": {"archive_after_days": 10}}, base_dir=tmp_path)

    def run(moment: str) -> list[str]:
        api.reset()
        assert tick.run(Context(config, store, at(moment), lambda line: None)) == 0
        return api.kinds()

    run("2026-11-12 12:00")
    # the archive's move; the claim on the sheet before sending (a write, then every claim read back:
    # sync/claims.py); the derived tabs laid onto the sheet as it is just before writing them
    assert run("2026-12-08 12:00") == ["spreadsheets.get", "spreadsheets.batchUpdate",
                                       "spreadsheets.batchUpdate", "spreadsheets.get",
                                       "spreadsheets.get", "spreadsheets.batchUpdate"]
    assert run("2026-12-08 12:30") == ["spreadsheets.get"]
    assert [row for row in book.values("Archives Journal")[1:] if row[1] == "2026-11"]
