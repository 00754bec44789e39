"""The tick lock: a second run yields at once; a lock left by a killed process is free again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import at

from sync.runlock import Busy, exclusive

HOLD = """
import sys, time
sys.path.insert(0, {root!r})
from datetime import datetime
from sync.runlock import exclusive
with exclusive(__import__("pathlib").Path({path!r}), datetime(2026, 12, 1, 8, 0)):
    print("held", flush=True)
    time.sleep(60)
"""


def hold_in_subprocess(path):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    process = subprocess.Popen([sys.executable, "-c", HOLD.format(root=root, path=str(path))],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_run_yields_while_the_first_holds_the_lock(tmp_path):
    lock = tmp_path / "paniers.lock"
    process = hold_in_subprocess(lock)
    try:
        with pytest.raises(Busy) as caught, exclusive(lock, at("2026-12-01 08:05")):
            pass
        assert f"processus {process.pid}" in caught.value.holder
    finally:
        process.kill()
        process.wait()


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path):
    lock = tmp_path / "paniers.lock"
    process = hold_in_subprocess(lock)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 5
    while True:
        try:
            with exclusive(lock, at("2026-12-01 08:10")):
                assert "processus" in lock.read_text()
            break
        except Busy:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_the_lock_is_released_after_the_block_even_on_error(tmp_path):
    lock = tmp_path / "paniers.lock"
    with pytest.raises(RuntimeError), exclusive(lock, at("2026-12-01 08:00")):
        raise RuntimeError("boom")
    with exclusive(lock, at("2026-12-01 08:01")):
        pass
