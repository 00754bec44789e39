"""The timeline of a sale: each step due from its time until it no longer makes sense."""

from __future__ import annotations

import pandas as pd
from conftest import at

from sync import schedule
from sync.config import ScheduleConfig

OFFSETS = ScheduleConfig()


def sale(opens="2026-11-30 08:00", closes="2026-12-10 20:00", start="2026-12-11 17:00", end="2026-12-11 19:00"):
    return pd.Series({"code": "2026-12", "opens": at(opens), "closes": at(closes), "distribution": at(start),
                      "distribution_end": at(end) if end else None})


def due_names(row, now):
    return [s.name for s in schedule.timeline(row, OFFSETS) if s.due(at(now))]


def test_each_moment_of_a_sale():
    row = sale()
    assert due_names(row, "2026-11-30 07:59") == []
    assert due_names(row, "2026-11-30 08:00") == ["announce"]
    assert due_names(row, "2026-12-08 20:00") == ["announce", "closing_reminder"]
    assert due_names(row, "2026-12-10 19:59") == ["announce", "closing_reminder"]
    # the pickup reminder (24 h before 17:00) would fall before closing: it goes at closing
    assert due_names(row, "2026-12-10 20:00") == ["closing", "pickup_reminder"]
    assert due_names(row, "2026-12-11 17:00") == ["closing", "follow_up"]
    assert due_names(row, "2026-12-11 19:00") == ["follow_up", "recap"]  # the recaps from the end of distribution
    assert due_names(row, "2026-12-25 18:59") == ["follow_up", "recap"]
    assert due_names(row, "2026-12-25 19:00") == []


def test_pickup_reminder_the_day_before():
    row = sale(closes="2026-12-08 20:00")
    steps = {s.name: s for s in schedule.timeline(row, OFFSETS)}
    assert steps["pickup_reminder"].at == at("2026-12-10 17:00")
    assert steps["closing_reminder"].at == at("2026-12-06 20:00")


def test_nothing_meaningless_is_due_after_a_long_outage():
    row = sale()
    names = due_names(row, "2026-12-11 18:00")  # the machine was off from the 5th to the distribution
    assert "announce" not in names and "closing_reminder" not in names and "pickup_reminder" not in names
    missed = [s.name for s in schedule.timeline(row, OFFSETS) if s.missed(at("2026-12-11 18:00"))]
    assert missed == ["announce", "closing_reminder", "pickup_reminder"]


def test_short_sales_keep_their_steps_in_order():
    row = sale(opens="2026-12-09 08:00", closes="2026-12-10 08:00", start="2026-12-10 09:00", end="")
    steps = schedule.timeline(row, OFFSETS)
    assert steps[1].at == at("2026-12-09 08:00")  # never before the opening
    assert steps[3].at == at("2026-12-10 08:00")  # never before the closing
    assert schedule.distribution_end(row) == at("2026-12-10 11:00")


def test_phases():
    row = sale()
    assert schedule.phase(row, at("2026-11-29 10:00")) == schedule.UPCOMING
    assert schedule.phase(row, at("2026-12-01 10:00")) == schedule.OPEN
    assert schedule.phase(row, at("2026-12-11 10:00")) == schedule.CLOSED
    assert schedule.phase(row, at("2026-12-11 19:00")) == schedule.DISTRIBUTED


def test_order_emails_flow_from_opening_to_the_end_of_distribution():
    row = sale()
    assert not schedule.orders_flow(row, at("2026-11-30 07:00"), OFFSETS)
    assert schedule.orders_flow(row, at("2026-12-11 10:00"), OFFSETS)  # late changes after closing
    assert not schedule.orders_flow(row, at("2026-12-11 19:00"), OFFSETS)


def test_offsets_come_from_the_config():
    row = sale()
    steps = {s.name: s for s in schedule.timeline(row, ScheduleConfig(closing_reminder_hours=24))}
    assert steps["closing_reminder"].at == at("2026-12-09 20:00")
