"""The order book: the shape the orders core produces and everything downstream reads.

Lists, emails, the schedule and the figures all read these frames and nothing else from the orders,
so this module is the agreement between them. Every frame is a pandas DataFrame of ``object``
columns holding plain Python values (``str``, ``int``, ``bool``, ``Decimal``, aware ``datetime``),
with exactly these columns, in this order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .problems import Problem

NEW, MODIFIED, CANCELLED = "nouvelle", "modifiée", "annulée"
FORM, MANUAL = "formulaire", "saisie manuelle"

# One row per submission and product line, every submission ever made (the history the allocation replays).
# A submission with no product (a cancellation) has no row here: ``households`` says when the latest was.
SUBMISSION_COLUMNS = [
    "sale",          # str: sale code the submission belongs to (its window contains the timestamp)
    "email",         # str: household address, trimmed and lower-case
    "submitted_at",  # datetime (aware, group time zone)
    "source",        # str: FORM or MANUAL
    "row",           # int: row of the submission in its tab, as the sheet shows it (first row for MANUAL)
    "product",       # str: product code
    "requested",     # int >= 1
]

# One row per sale and household with a current order (cancelled ones included, with no lines).
HOUSEHOLD_COLUMNS = [
    "sale",
    "email",
    "first_name",    # str
    "last_name",     # str
    "name",          # str: "Prénom Nom" for display (the address when both are blank)
    "phone",         # str
    "comment",       # str: the latest submission's comment
    "status",        # str: NEW, MODIFIED or CANCELLED
    "submitted_at",  # datetime: the latest submission
    "first_submitted_at",  # datetime: the first submission in this sale
    "submissions",   # int: how many submissions in this sale
    "source",        # str: FORM or MANUAL (of the latest submission)
    "amount",        # Decimal: total of the household's lines (estimated where sold by weight)
]

# One row per sale, household and product of the current orders (the Commandes tab, typed).
# A line cut entirely by the stock is here with allocated 0 (the household must be told); a cancelled
# household has no line. Lists for producers keep the lines with allocated > 0.
LINE_COLUMNS = [
    "sale",
    "email",
    "name",
    "producer",      # str: producer code
    "product",       # str: product code
    "label",         # str: "Pain de campagne 1 kg" (name and packaging)
    "requested",     # int: quantity in the latest submission
    "allocated",     # int: quantity granted after stock allocation (<= requested)
    "unit_price",    # Decimal: per unit, or per kg when by_weight
    "by_weight",     # bool
    "avg_weight",    # Decimal | None: expected kg per unit (by_weight only)
    "weight",        # Decimal | None: kg actually weighed (from the Pesées tab), else None
    "amount",        # Decimal: allocated x price, or allocated x avg_weight x price (estimate), or weight x price
    "estimated",     # bool: amount is an estimate (sold by weight, not weighed yet)
    "status",        # str: the household's status
    "updated_at",    # datetime: when this line last changed (its household's latest submission)
]


@dataclass
class OrderBook:
    submissions: pd.DataFrame
    households: pd.DataFrame
    lines: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def empty(cls) -> OrderBook:
        return cls(*(pd.DataFrame(columns=c, dtype=object)
                     for c in (SUBMISSION_COLUMNS, HOUSEHOLD_COLUMNS, LINE_COLUMNS)))

    def for_sale(self, sale: str) -> OrderBook:
        return OrderBook(
            self.submissions[self.submissions["sale"] == sale],
            self.households[self.households["sale"] == sale],
            self.lines[self.lines["sale"] == sale],
            [p for p in self.problems if p.sale in ("", sale)],
        )
