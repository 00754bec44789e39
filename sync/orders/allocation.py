"""Fair, first-come stock allocation, replayed from the whole submission history on every run.

For each sale and each product with a stock, the submissions are replayed in time order
(``Submission.key``: time, then the address, so the way rows are stored never matters):

- a household that asks for *less* than it holds keeps the lower quantity, and what it gives back
  returns to the pool;
- a household that asks for *more* keeps what it holds; only the increase waits in the queue, and
  the part of an earlier request it repeats keeps its place in the queue;
- whatever is in the pool goes to the waiting requests, the oldest first.

So nobody's allocation ever shrinks because of someone else's submission, a unit given back goes
to the first household that was cut, not to whoever happens to submit next, and when the
coordinator lowers a stock after the fact, the replay cuts the latest requests first.
Pinned by ``tests/test_orders_allocation.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .intake import Submission

Allocation = dict[tuple[str, str, str], int]  # (sale, email, product) -> allocated, for the latest requests


def allocate(submissions: Iterable[Submission], stock: Mapping[str, int | None]) -> Allocation:
    """What each household holds of each product it asks for in its latest submission of each sale."""
    by_sale: dict[str, list[Submission]] = {}
    for submission in submissions:
        by_sale.setdefault(submission.sale, []).append(submission)
    result: Allocation = {}
    for sale, subs in by_sale.items():
        subs.sort(key=lambda s: s.key)
        latest = {s.email: s for s in subs}  # the last one of each household, in replay order
        # only the products with a stock are replayed; the others are granted as asked
        limited = sorted({p for s in subs for p, _ in s.lines if stock.get(p) is not None})
        held = {product: replay(concerning(subs, product), product, stock[product]) for product in limited}
        for email, submission in latest.items():
            for product, wanted in submission.quantities.items():
                if wanted:
                    result[(sale, email, product)] = held[product].get(email, 0) if product in held else wanted
    return result


def concerning(submissions: list[Submission], product: str) -> list[Submission]:
    """The submissions (in replay order) that can change who holds a product: each household's from its
    first request of the product on. Before that it holds nothing of it and waits for nothing, so a
    submission without it changes nothing (and nothing was left to serve: ``_serve`` ran after the
    previous one). In a big sale, each limited product is wanted by a few of the households."""
    asking: set[str] = set()
    found = []
    for submission in submissions:
        if submission.email in asking or submission.requested(product):
            asking.add(submission.email)
            found.append(submission)
    return found


def replay(submissions: list[Submission], product: str, stock: int) -> dict[str, int]:
    """What each household holds of one product after the submissions (in replay order) of one sale."""
    held: dict[str, int] = {}
    waiting: dict[str, list[list]] = {}  # email -> [[place in the queue, quantity], ...], oldest first
    free = stock
    for submission in submissions:
        email, wanted = submission.email, submission.requested(product)
        has = held.get(email, 0)
        if wanted <= has:
            free += has - wanted
            held[email] = wanted
            waiting.pop(email, None)
        else:
            need = wanted - has
            queue = waiting.setdefault(email, [])
            queued = sum(q for _, q in queue)
            while queued > need:  # asks for less than it was waiting for: the latest part goes first
                drop = min(queue[-1][1], queued - need)
                queue[-1][1] -= drop
                queued -= drop
                if not queue[-1][1]:
                    queue.pop()
            if need > queued:
                queue.append([submission.key, need - queued])
        free = _serve(held, waiting, free)
    return held


def _serve(held: dict[str, int], waiting: dict[str, list[list]], free: int) -> int:
    """Give what is free to the waiting requests, the oldest first; return what is left."""
    if free <= 0:
        return free
    queue = sorted(((entry[0], email, entry) for email, entries in waiting.items() for entry in entries),
                   key=lambda item: item[:2])
    for _, email, entry in queue:
        if free <= 0:
            break
        given = min(free, entry[1])
        held[email] = held.get(email, 0) + given
        entry[1] -= given
        free -= given
    for email in list(waiting):
        waiting[email] = [e for e in waiting[email] if e[1]]
        if not waiting[email]:
            del waiting[email]
    return free
