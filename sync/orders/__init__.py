"""Orders: from the form's responses and the phone orders to a checked, fairly allocated order book.

``intake`` reads the submissions (every bad value a ``Problem``), ``allocation`` replays the stock
first come, first served, ``book`` assembles the current orders and ``tabs`` lays them out as the
``Commandes`` and ``Par producteur`` tabs. The rules, with their reasons: ``docs/dev/workbook.md``.
"""

from __future__ import annotations

from datetime import datetime

from ..catalogue import Catalogue
from ..config import Config
from ..orderbook import OrderBook
from ..snapshot import Snapshot
from . import intake
from .book import assemble


def build(snapshot: Snapshot, catalogue: Catalogue, config: Config, now: datetime) -> OrderBook:
    """Every sale's current orders as they stand at ``now``, with the problems found on the way."""
    found = intake.read(snapshot.tables, catalogue, config, now)
    return assemble(found.submissions, catalogue, found.problems)


__all__ = ["build"]
