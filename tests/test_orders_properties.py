"""Properties of the whole orders pipeline, for any sequence of form responses and phone orders:
what is granted never exceeds what is asked nor the stock, the way the rows are stored does not
matter, and running again gives the same tables."""

from __future__ import annotations

from datetime import timedelta

from conftest import at
from hypothesis import given, settings
from hypothesis import strategies as st
from order_sheets import Workbook

from sync import catalogue, refresh, sheet, snapshot
from sync import config as config_module
from sync.orders import intake, tabs
from sync.orders.book import assemble
from sync.stores import MemoryStore

START = at("2026-11-30 08:00")
NOW = at("2026-12-11 12:00")
EMAILS = ["ana@example.org", "bob@example.org", "cleo@example.org", "dan@example.org", "eve@example.org"]
PRODUCTS = ["PAIN1", "MIEL1", "POUL1", "ROTI"]
CONFIG = config_module.Config()

submission = st.fixed_dictionaries({
    "email": st.sampled_from(EMAILS),
    "phone": st.booleans(),
    "quantities": st.fixed_dictionaries({}, optional={code: st.sampled_from(["0", "1", "2", "3", "5", " 2 ", "deux"])
                                                      for code in PRODUCTS}),
})
histories = st.lists(submission, max_size=12)
minutes = st.lists(st.integers(0, 60 * 24 * 10), min_size=12, max_size=12, unique=True)  # inside the window
stocks = st.fixed_dictionaries({"MIEL1": st.sampled_from(["", "0", "1", "3", "5"]),
                                "POUL1": st.sampled_from(["", "0", "2", "4"])})


def workbook(history, times, stock) -> Workbook:
    book = Workbook()
    for row in book.products:
        if row[0] in stock:
            row[7] = stock[row[0]]
    for event, minute in zip(history, times, strict=False):
        when = START + timedelta(minutes=minute)
        if event["phone"]:
            lines = {code: q for code, q in event["quantities"].items()} or {"": ""}
            book.phone(when.strftime("%d/%m/%Y %H:%M"), event["email"], lines)
        else:
            book.respond(when.strftime("%d/%m/%Y %H:%M:%S"), event["email"], **event["quantities"])
    return book


def run(grids):
    return refresh.refresh(snapshot.read(MemoryStore(grids), CONFIG), CONFIG, NOW)


_CATALOGUES: dict[tuple, tuple] = {}


def core(grids, stock):
    """The orders core alone (the catalogue read once per stock), so that many examples stay fast."""
    key = tuple(sorted(stock.items()))
    if key not in _CATALOGUES:
        snap = snapshot.read(MemoryStore(grids), CONFIG)
        _CATALOGUES[key] = (snap.tables, catalogue.load(snap.tables, CONFIG.tz))
    tables, found = _CATALOGUES[key]
    tables = {**tables, **{tab.name: sheet.read_table(grids[tab.name], tab) for tab in (sheet.RESPONSES, sheet.MANUAL)}}
    taken = intake.read(tables, found, CONFIG, NOW)
    book = assemble(taken.submissions, found, taken.problems)
    return book, tabs.orders_frame(book), tabs.by_producer_frame(book, found)


def shuffled(grids, random):
    grids = {name: [list(r) for r in grid] for name, grid in grids.items()}
    for name in ("Réponses au formulaire 1", "Saisie manuelle"):
        body = grids[name][1:]
        random.shuffle(body)
        grids[name] = [grids[name][0], *body]
    return grids


@settings(max_examples=40, deadline=None)
@given(history=histories, times=minutes, stock=stocks)
def test_granted_never_exceeds_asked_nor_stock(history, times, stock):
    book, _, _ = core(workbook(history, times, stock).grids(), stock)
    lines = book.lines
    assert all(0 <= line.allocated <= line.requested for line in lines.itertuples())
    for code, limit in stock.items():
        if limit:
            assert sum(lines.loc[lines["product"] == code, "allocated"]) <= int(limit)
    cuts = [p for p in book.problems if p.message.startswith("stock épuisé")]
    assert len(cuts) == sum(line.allocated < line.requested for line in lines.itertuples())
    assert all(h.amount == sum(lines.loc[(lines["email"] == h.email), "amount"]) for h in book.households.itertuples())


@settings(max_examples=40, deadline=None)
@given(history=histories, times=minutes, stock=stocks, random=st.randoms(use_true_random=False))
def test_shuffling_the_sheet_rows_gives_the_same_result(history, times, stock, random):
    grids = workbook(history, times, stock).grids()
    (first, *first_tabs), (second, *second_tabs) = core(grids, stock), core(shuffled(grids, random), stock)
    assert first.lines.equals(second.lines)
    assert first.households.equals(second.households)
    assert all(a.equals(b) for a, b in zip(first_tabs, second_tabs, strict=True))
    without_rows = [(p.severity, p.tab, p.column, p.message, p.value, p.sale) for p in first.problems]
    assert sorted(without_rows) == sorted((p.severity, p.tab, p.column, p.message, p.value, p.sale)
                                          for p in second.problems)
    columns = [c for c in first.submissions.columns if c != "row"]
    assert first.submissions[columns].equals(second.submissions[columns])


@settings(max_examples=12, deadline=None)
@given(history=histories, times=minutes, stock=stocks)
def test_running_again_gives_the_same_tables(history, times, stock):
    store = MemoryStore(workbook(history, times, stock).grids())
    first = refresh.refresh(snapshot.read(store, CONFIG), CONFIG, NOW)
    store.write(first.changes)
    second = refresh.refresh(snapshot.read(store, CONFIG), CONFIG, NOW)
    assert second.changes.replace == first.changes.replace
    assert "Clients" not in second.changes.append, "newcomers are appended once"
    store.write(second.changes)
    assert run(store.tabs).changes.replace == first.changes.replace
