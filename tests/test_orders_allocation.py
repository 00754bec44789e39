"""Fair first-come stock allocation: table-driven scenarios, then properties for any history."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from conftest import at
from hypothesis import given, settings
from hypothesis import strategies as st
from order_sheets import Workbook, lines_of

from sync.orderbook import FORM
from sync.orders.allocation import allocate, concerning, replay
from sync.orders.intake import Submission
from sync.problems import WARNING

START = at("2026-12-01 08:00")


def history(events: list[tuple[str, int]], product: str = "P") -> list[Submission]:
    """One submission per event (household, quantity of ``product``), a minute apart, in this order."""
    return [
        Submission("2026-12", f"{who}@example.org", START + timedelta(minutes=i), FORM, "R", i + 2,
                   lines=((product, quantity),) if quantity else ())
        for i, (who, quantity) in enumerate(events)
    ]


def held(events, stock):
    result = replay(history(events), "P", stock)
    return {email.split("@")[0]: q for email, q in result.items() if q}


@pytest.mark.parametrize(("events", "stock", "expected"), [
    # first come, first served: the veal box of the demo, stock 4 and six households
    ([("a", 1), ("b", 1), ("c", 1), ("d", 1), ("e", 1), ("f", 1)], 4, {"a": 1, "b": 1, "c": 1, "d": 1}),
    # a partial cut: what is left goes to the next one
    ([("a", 3), ("b", 3)], 4, {"a": 3, "b": 1}),
    # a resubmission keeps what it had; only the increase competes for what is left
    ([("a", 2), ("b", 1), ("a", 3)], 3, {"a": 2, "b": 1}),
    ([("a", 2), ("b", 1), ("a", 3)], 4, {"a": 3, "b": 1}),
    # nobody shrinks because of someone else's later submission
    ([("a", 2), ("b", 2), ("c", 5)], 3, {"a": 2, "b": 1}),
    # a decrease gives back to the first one waiting, not to whoever comes next
    ([("a", 2), ("b", 1), ("c", 1), ("a", 1)], 2, {"a": 1, "b": 1}),
    ([("a", 2), ("b", 1), ("c", 1), ("a", 1), ("d", 1)], 2, {"a": 1, "b": 1}),
    # a cancellation (a submission without the product) gives everything back
    ([("a", 2), ("b", 2), ("a", 0)], 2, {"b": 2}),
    # a household that repeats its waiting request keeps its place in the queue
    ([("a", 1), ("b", 1), ("c", 1), ("b", 1), ("a", 0)], 1, {"b": 1}),
    # a household that lowers its waiting request keeps the place of what remains
    ([("a", 1), ("b", 3), ("c", 1), ("b", 1), ("a", 0)], 1, {"b": 1}),
    # asking for more again after being cut: the new part waits behind the others
    ([("a", 1), ("b", 1), ("c", 1), ("b", 2), ("a", 0)], 1, {"b": 1}),
    ([("a", 2), ("b", 1), ("c", 1), ("b", 2), ("a", 0)], 2, {"b": 1, "c": 1}),
    # a stock of zero: nobody gets anything
    ([("a", 1), ("b", 2)], 0, {}),
])
def test_allocation(events, stock, expected):
    assert held(events, stock) == expected


def test_lowering_the_stock_after_the_fact_cuts_the_latest_first():
    events = [("a", 2), ("b", 2), ("c", 1)]
    assert held(events, 5) == {"a": 2, "b": 2, "c": 1}
    assert held(events, 4) == {"a": 2, "b": 2}
    assert held(events, 3) == {"a": 2, "b": 1}
    assert held(events, 1) == {"a": 1}


def test_no_stock_means_no_limit():
    subs = history([("a", 40), ("b", 50)])
    assert allocate(subs, {"P": None}) == {("2026-12", "a@example.org", "P"): 40,
                                           ("2026-12", "b@example.org", "P"): 50}
    assert allocate(subs, {}) == allocate(subs, {"P": None})


def test_stock_is_per_sale():
    subs = history([("a", 3)])
    subs.append(Submission("2026-NOEL", "b@example.org", START + timedelta(days=14), FORM, "R", 9,
                           lines=(("P", 3),)))
    assert allocate(subs, {"P": 3}) == {("2026-12", "a@example.org", "P"): 3, ("2026-NOEL", "b@example.org", "P"): 3}


def test_simultaneous_submissions_are_decided_by_address_not_by_row():
    for rows in ([2, 3], [3, 2]):
        subs = [Submission("2026-12", email, START, FORM, "R", row, lines=(("P", 1),))
                for email, row in zip(["zoe@example.org", "abel@example.org"], rows, strict=True)]
        assert allocate(subs, {"P": 1}) == {("2026-12", "zoe@example.org", "P"): 0,
                                            ("2026-12", "abel@example.org", "P"): 1}


def test_every_cut_is_a_warning_naming_the_household():
    book = (Workbook()
            .respond("01/12/2026 10:00:00", "ana@example.org", "Ana", "Lopez", MIEL1="4")
            .respond("01/12/2026 11:00:00", "bob@example.org", "Bob", "Martin", MIEL1="2", PAIN1="1")
            .respond("01/12/2026 12:00:00", "cleo@example.org", "Cléo", "", MIEL1="1")
            .build(at("2026-12-11 12:00")))
    assert lines_of(book) == {("ana@example.org", "MIEL1"): (4, 4), ("bob@example.org", "MIEL1"): (2, 1),
                              ("bob@example.org", "PAIN1"): (1, 1), ("cleo@example.org", "MIEL1"): (1, 0)}
    cuts = sorted(book.problems, key=lambda p: p.row)
    assert [(p.severity, p.row, p.sale, p.value) for p in cuts] == [(WARNING, 3, "2026-12", "2"),
                                                                   (WARNING, 4, "2026-12", "1")]
    assert cuts[0].column.startswith("Rucher des Bruyères [MIEL1 · ")
    assert cuts[0].message == ("stock épuisé pour MIEL1 (Miel de fleurs pot de 500 g), limité à 5 dans cette vente : "
                               "Bob Martin (bob@example.org) en a demandé 2, 1 lui est attribué. Prévenez ce foyer "
                               "(ou augmentez le stock dans l'onglet Produits).")
    assert "Cléo (cleo@example.org) en a demandé 1, rien ne lui est attribué" in cuts[1].message
    amounts = {(r.email, r.product): r.amount for r in book.lines.itertuples()}
    assert str(amounts[("bob@example.org", "MIEL1")]) == "8.00", "the amount follows what is granted"


def test_a_phone_order_competes_in_time_like_a_form_response():
    book = (Workbook()
            .respond("01/12/2026 10:00:00", "ana@example.org", MIEL1="3")
            .phone("01/12/2026 10:30", "bob@example.org", {"MIEL1": "3"})
            .respond("01/12/2026 11:00:00", "cleo@example.org", MIEL1="1")
            .build(at("2026-12-11 12:00")))
    assert lines_of(book) == {("ana@example.org", "MIEL1"): (3, 3), ("bob@example.org", "MIEL1"): (3, 2),
                              ("cleo@example.org", "MIEL1"): (1, 0)}
    [bob, cleo] = sorted(book.problems, key=lambda p: p.message)
    assert (cleo.tab, cleo.row) == ("Réponses au formulaire 1", 3)
    assert (bob.tab, bob.row, bob.column) == ("Saisie manuelle", 2, "Quantité")


# --- properties ------------------------------------------------------------------------------

HOUSEHOLDS = ["a", "b", "c", "d"]
events = st.lists(st.tuples(st.sampled_from(HOUSEHOLDS), st.integers(0, 4)), max_size=14)


@settings(max_examples=100, deadline=None)
@given(events=events, stock=st.integers(0, 6))
def test_allocated_never_exceeds_requested_nor_the_stock(events, stock):
    subs = history(events)
    result = allocate(subs, {"P": stock})
    latest = {s.email: s.requested("P") for s in subs}
    for (_, email, _), allocated in result.items():
        assert 0 <= allocated <= latest[email]
    assert sum(result.values()) <= stock
    # nothing is wasted: when someone is cut, the whole stock is out
    if any(allocated < latest[email] for (_, email, _), allocated in result.items()):
        assert sum(result.values()) == stock


@settings(max_examples=100, deadline=None)
@given(events=events, stock=st.integers(0, 6))
def test_nobody_shrinks_because_of_someone_else(events, stock):
    subs = history(events)
    before: dict[str, int] = {}
    for i, submission in enumerate(subs):
        after = replay(subs[: i + 1], "P", stock)
        for email, quantity in before.items():
            if email != submission.email:
                assert after.get(email, 0) >= quantity, f"{email} shrank when {submission.email} submitted"
        before = after


@settings(max_examples=100, deadline=None)
@given(events=events, stock=st.integers(1, 6))
def test_lowering_the_stock_takes_one_unit_back_and_gives_nobody_more(events, stock):
    subs = history(events)
    high, low = replay(subs, "P", stock), replay(subs, "P", stock - 1)
    assert all(low.get(email, 0) <= high.get(email, 0) for email in low)
    assert sum(high.values()) - sum(low.values()) <= 1


@settings(max_examples=100, deadline=None)
@given(events=events, stock=st.integers(0, 6), seed=st.integers(0, 10**6))
def test_the_order_in_which_submissions_are_given_does_not_matter(events, stock, seed):
    subs = history(events)
    shuffled = list(subs)
    random.Random(seed).shuffle(shuffled)
    assert allocate(shuffled, {"P": stock}) == allocate(subs, {"P": stock})


@settings(max_examples=200, deadline=None)
@given(events=st.lists(st.tuples(st.sampled_from(HOUSEHOLDS), st.integers(0, 4), st.integers(0, 3)), max_size=14),
       stock=st.integers(0, 6))
def test_replaying_only_the_submissions_concerning_a_product_changes_nothing(events, stock):
    """``allocate`` replays a product over the submissions from each household's first request of it on
    (``concerning``): what anyone holds is the same as over every submission of the sale."""
    subs = [Submission("2026-12", f"{who}@example.org", START + timedelta(minutes=i), FORM, "R", i + 2,
                       lines=tuple((p, q) for p, q in (("P", wanted), ("Q", other)) if q))
            for i, (who, wanted, other) in enumerate(events)]
    everything, concerned = replay(subs, "P", stock), replay(concerning(subs, "P"), "P", stock)
    assert {e: q for e, q in everything.items() if q} == {e: q for e, q in concerned.items() if q}
