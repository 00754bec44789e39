"""Shared fixtures: a configuration in a temporary folder, the demo group in memory, a fixed clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sync import config as config_module
from sync import demo
from sync.commands import Context
from sync.stores import MemoryStore

# The lists tests' fixtures (``cat``, ``dec``: the demo catalogue and its December order book)
pytest_plugins = ["lists_builders"]

PARIS = ZoneInfo("Europe/Paris")


def at(text: str) -> datetime:
    """A moment in the group's time zone: at("2026-12-01 08:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


@pytest.fixture
def tz() -> ZoneInfo:
    return PARIS


@pytest.fixture
def now() -> datetime:
    return at("2026-12-02 10:00")


@pytest.fixture
def config(tmp_path: Path) -> config_module.Config:
    """The default configuration, as if config.toml were empty, in a temporary folder."""
    return config_module.from_dict({}, base_dir=tmp_path)


@pytest.fixture
def demo_store() -> MemoryStore:
    return MemoryStore(demo.build())


@pytest.fixture
def output() -> list[str]:
    return []


@pytest.fixture
def ctx(config, demo_store, now, output) -> Context:
    return Context(config, demo_store, now, output.append)
