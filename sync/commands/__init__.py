"""The jobs behind the command line, one module each. Each takes a ``Context`` (config, store,
``now``, where to print) and returns an exit code; none reads the clock or the environment itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..config import Config
from ..stores.base import Store


@dataclass
class Context:
    config: Config
    store: Store
    now: datetime
    out: Callable[[str], None] = print
    environ: dict[str, str] = field(default_factory=dict)

    def say(self, text: str = "") -> None:
        self.out(text)
