"""Where the time of one tick goes, phase by phase, in one process (the table of benchmarks/README.md).

    python benchmarks/phases.py FOLDER [--now "2026-12-08 12:10"]

FOLDER holds a ``config.toml`` and its workbook, as ``run.py --keep`` leaves them (``sale/``, ``history/``).
The workbook and the outbox are copied aside first and put back after, so the same tick can be measured again.
It runs the steps of ``sync/commands/tick_work.py`` one after the other (the run lock and the report aside) and
prints the seconds each took.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import gc  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sync import archive, cycle, snapshot  # noqa: E402
from sync import config as config_module  # noqa: E402
from sync.commands.tick_work import run_changes  # noqa: E402
from sync.config import resolve  # noqa: E402
from sync.mail import compose  # noqa: E402
from sync.mail.backends import open_mailer  # noqa: E402
from sync.mail.journal import Journal  # noqa: E402
from sync.mail.send import Limits, deliver  # noqa: E402
from sync.refresh import refresh  # noqa: E402
from sync.sheet import JOURNAL  # noqa: E402
from sync.stores import open_store  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--now", default="2026-12-08 12:10")
    args = parser.parse_args()
    gc.freeze()  # as jobs.entry does
    gc.set_threshold(50_000, 20, 20)
    phases = [("interpreter start and imports", time.perf_counter() - STARTED)]
    config = config_module.load(args.folder / "config.toml")
    now = datetime.fromisoformat(args.now).replace(tzinfo=config.tz)
    workbook, outbox = resolve(config, config.store.path), resolve(config, config.mail.outbox)
    wal = resolve(config, config.mail.journal_wal)
    with tempfile.TemporaryDirectory() as aside:
        for path in (workbook, wal):
            if path.exists():
                shutil.copy2(path, Path(aside) / path.name)
        try:
            phases += measure(config, now)
        finally:
            for path in (workbook, wal):
                kept = Path(aside) / path.name
                if kept.exists():
                    shutil.copy2(kept, path)
                else:
                    path.unlink(missing_ok=True)
            shutil.rmtree(outbox, ignore_errors=True)
    width = max(len(name) for name, _ in phases)
    for name, seconds in phases:
        print(f"{name.ljust(width)}  {seconds:5.2f} s")
    print(f"{'in all'.ljust(width)}  {sum(s for _, s in phases):5.2f} s")
    return 0


def measure(config, now) -> list[tuple[str, float]]:
    phases = []
    clock = time.perf_counter()

    def done(name: str) -> None:
        nonlocal clock
        phases.append((name, time.perf_counter() - clock))
        clock = time.perf_counter()

    store = open_store(config)
    snap = snapshot.read(store, config)
    done("read the workbook")
    snap, _ = archive.settle(snap, store, config, now)
    done("archive finished sales (a write of its own, when there are)")
    result = refresh(snap, config, now)
    done("refresh: catalogue, orders, derived tabs")
    journal = Journal.load(snap.grid(JOURNAL), resolve(config, config.mail.journal_wal), config.tz,
                           archive.journal_rule(result.archived, now, config))
    due = cycle.plan(result, journal, compose.Letterhead.from_config(config))
    done(f"plan: which emails are due ({len(due.emails)})")
    delivery = deliver(due.emails, open_mailer(config, {}), journal, Limits.from_config(config), now)
    done(f"write and send the emails ({len(delivery.sent)}, to the outbox)")
    changes = run_changes(result, [*result.problems, *due.problems, *delivery.problems], journal, delivery, None)
    store.write(changes)
    done(f"write the workbook ({', '.join(changes.replace) or 'appends only'})")
    return phases


if __name__ == "__main__":
    sys.exit(main())
