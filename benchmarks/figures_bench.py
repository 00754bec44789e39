"""How long the figures take on ten years of monthly sales (plus Noël and Pâques each year).

    python benchmarks/figures_bench.py

Generates the history (``tests/fakes/history.py::synthetic``: about 140 sales of 20 to 200
households, 100 000 order lines), then times each step of the figures on a fresh ``History``
(the best of five whole runs) and, apart, the charts (matplotlib's drawing, not pandas work).
The goal: the pandas work stays well under a second. ``main()`` returns the timings so a runner
can collect them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fakes.history import at, synthetic  # noqa: E402

from sync import figures, recaps  # noqa: E402

GOAL = 1.0  # seconds of pandas work for the whole history


def timed(steps: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Each step's processor time: the work itself, whatever else the machine is doing (a shared CI
    runner's wall clock can double it)."""
    times = {}
    for name, step in steps.items():
        start = time.process_time()
        step()
        times[name] = time.process_time() - start
    return times


def main(years: int = 10, repeat: int = 5) -> dict[str, float]:
    start = time.perf_counter()
    catalogue, book = synthetic(years=years)
    generated = time.perf_counter() - start
    now = at(f"{2017 + years}-01-05 10:00")
    history = figures.History.build(book, catalogue, now)
    last = history.sales.index[-1]
    like = history.comparable(last) or history.sales.index[-2]
    producers = history.producer_order()

    def pipeline() -> dict[str, float]:
        """Everything a refresh and the recaps compute, on a fresh History (nothing cached)."""
        fresh: dict[str, figures.History] = {}
        return timed({
            "history (build)": lambda: fresh.setdefault("h", figures.History.build(book, catalogue, now)),
            "Bilan tab": lambda: fresh["h"].bilan(),
            "lapsed households (tab)": lambda: fresh["h"].lapsed_tab(),
            f"plan like {like}": lambda: fresh["h"].plan(like, target=last),
            "coordinator recap (context)": lambda: recaps.group(fresh["h"], last, with_charts=False),
            f"{len(producers)} producer recaps (context)": lambda: [
                recaps.producer(fresh["h"], p, last, with_charts=False) for p in producers],
        })

    wall = time.perf_counter()
    runs = [pipeline() for _ in range(repeat)]
    wall = (time.perf_counter() - wall) / repeat
    timings = min(runs, key=lambda run: sum(run.values()))
    charts = timed({
        "charts: households": lambda: recaps.households_chart(history, last),
        "charts: turnover per producer": lambda: recaps.turnover_chart(history, last),
        "charts: one producer": lambda: recaps.producer_chart(history, producers[0], last),
    })
    pandas_total = sum(timings.values())

    print(f"Synthetic history: {len(history.sales)} sales over {years} years, {len(book.lines):,} order lines, "
          f"{len(book.households):,} orders, {history.presence['email'].nunique():,} households "
          f"(generated in {generated:.2f} s)")
    print(f"Best of {repeat} runs of the whole pipeline on a fresh history (processor time):")
    for name, seconds in {**timings, **charts}.items():
        print(f"  {name:<38} {seconds * 1000:8.1f} ms")
    verdict = "OK" if pandas_total < GOAL else "TOO SLOW"
    print(f"Pandas work, all steps: {pandas_total * 1000:.0f} ms (goal: under {GOAL * 1000:.0f} ms) {verdict}; "
          f"charts apart: {sum(charts.values()) * 1000:.0f} ms")
    print(f"(wall clock of one whole run on this machine, on average: {wall * 1000:.0f} ms)")
    return {**timings, **charts, "pandas total": pandas_total}


if __name__ == "__main__":
    main()
