"""The jobs behind the command line, one module each. Each takes a ``Context`` (config, store,
``now``, where to print) and returns an exit code; none reads the clock or the environment itself. Everything a
job prints goes through ``Context.say`` (``sync/terminal.py``: no control character reaches the terminal)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..config import Config
from ..stores.base import Store
from ..terminal import printable


@dataclass
class Context:
    config: Config
    store: Store
    now: datetime
    out: Callable[[str], None] = print
    environ: dict[str, str] = field(default_factory=dict)

    def say(self, text: str = "") -> None:
        """Every line a job prints: control characters a person typed never reach the terminal."""
        self.out(printable(text))
