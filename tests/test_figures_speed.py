"""Ten years of monthly sales: the figures stay consistent, and fast (benchmarks/figures_bench.py measures)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from fakes.history import at, synthetic

from sync import figures, recaps

NOW = at("2027-01-05 10:00")


@pytest.fixture(scope="module")
def big():
    return synthetic(years=10)


def test_ten_years_of_figures_take_well_under_a_second_of_work(big):
    catalogue, book = big
    start = time.process_time()
    history = figures.History.build(book, catalogue, NOW)
    last = history.sales.index[-1]
    history.bilan()
    history.lapsed_tab()
    history.plan(history.comparable(last), target=last)
    recaps.group(history, last, with_charts=False)
    for producer in history.producer_order():
        recaps.producer(history, producer, last, with_charts=False)
    spent = time.process_time() - start
    # about 0.3 s of processor time on a 2-core runner; the margin is for slow machines, not for
    # a loop over rows (that would take tens of seconds)
    assert spent < 2.0


def test_ten_years_add_up(big):
    catalogue, book = big
    history = figures.History.build(book, catalogue, NOW)
    sales = history.sales
    assert len(sales) == 140 and sales["households"].between(20, 200).all()
    assert (sales["households"] == sales["new"] + sales["returning"]).all()
    assert sales["new"].sum() == book.lines["email"].nunique()  # everyone is new exactly once
    assert sum(sales["turnover"], Decimal(0)) == sum(book.lines["amount"], Decimal(0))
    by_producer = history.producers.groupby("sale")["turnover"].sum()
    assert all(by_producer[code] == sales.loc[code, "turnover"] for code in sales.index)
    bilan = history.bilan()
    assert len(bilan) == 140 and len(bilan.columns) == 10 + 2 * 8
    assert history.comparable("2026-NOEL") == "2025-NOEL" and history.comparable("2026-PAQUES") == "2025-PAQUES"
    lapsed = history.lapsed()
    assert (lapsed["missed"] >= 3).all() and (lapsed["recent"] >= 3).all()
