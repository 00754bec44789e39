"""Rows of the typed frames as plain Python objects.

The frames hold ``object`` columns; pandas' own row iteration (``itertuples``, ``to_dict``) costs
milliseconds per call on them, which adds up in a run that walks every sale and household. These
go through one NumPy array instead: the same values, in the same order.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator
from functools import cache
from typing import Any

import pandas as pd


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = [str(c) for c in frame.columns]
    return [dict(zip(columns, row, strict=True)) for row in frame.to_numpy(dtype=object).tolist()]


@cache
def _row_type(columns: tuple[str, ...]):
    return namedtuple("Row", columns, rename=True)


def rows(frame: pd.DataFrame) -> list:
    """Like ``itertuples(index=False)``: named tuples (``row.email``)."""
    kind = _row_type(tuple(str(c) for c in frame.columns))
    return [kind(*row) for row in frame.to_numpy(dtype=object).tolist()]


def values(frame: pd.DataFrame, *columns: str) -> Iterator[tuple]:
    """Only the named columns, row by row, as plain tuples (``for sale, email in values(frame, "sale",
    "email")``): the cheapest walk over a big frame when a few of its columns are needed."""
    return zip(*(frame[column].tolist() for column in columns), strict=True)
