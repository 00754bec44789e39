"""Tests that check what a text says, not how it is spaced: French typography (sync/french.py) puts no-break and
narrow no-break spaces into everything a person reads, so assertions about content compare ``plain(text)``."""

from __future__ import annotations

from sync.french import plain  # every kind of space an ordinary one: the tool's own, for its CSVs

__all__ = ["into", "plain"]


def into(lines: list[str]):
    """An ``out`` for a ``Context`` (or ``doctor.report``) that keeps each printed line as ``plain`` text."""
    return lambda text: lines.append(plain(text))
