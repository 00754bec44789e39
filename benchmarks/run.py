"""Paniers benchmarks: each figure measured side by side with a naive approach, in the same run.

    python benchmarks/run.py            # everything, a few minutes on 2 cores
    python benchmarks/run.py --quick    # smaller sizes, to check the script itself (under a minute)

(a) Google Sheets requests per ``tick`` against the in-process Sheets API (``tests/fakes/sheets_api.py``,
    real gspread over it), for sales of 10, 100 and 1 000 households, next to a naive gspread script on
    the same data: open the spreadsheet, read each tab with ``worksheet(...).get_all_values()``, append
    each row the tick adds with ``append_row``.
(b) SMTP: 500 emails to a real aiosmtpd server on loopback (its own process, ``smtp_sink.py``, announcing
    PIPELINING and 8BITMIME as Gmail does) through the tool's mailer alone (one connection), next to a loop of
    ``yagmail.SMTP.send()`` (one connection per message), plain and over SSL with a login; then, for the
    record, plain again against a server that announces neither.
(d) ``deliver()``, what a tick does with its emails: 200 of them through the SMTP mailer to ``smtp_sink.py``, each
    send journaled in the write-ahead file (an fsync each); on loopback, then with each answer reaching the
    client 30 ms after the server gives it (a real network's round trip).
(c) ``paniers tick`` (the real entry point, in a subprocess) on the local .xlsx store, for a sale of
    2 000 households x 60 products and for ten years of monthly sales: wall time of the process and its
    peak memory (``VmHWM``, Linux's high-water mark of that process's memory).

Workbooks come from the seeded generator ``tests/synthetic.py``: the same data on every machine.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import platform
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import gspread  # noqa: E402
import synthetic  # noqa: E402
import trustme  # noqa: E402
import yagmail  # noqa: E402
from fakes.sheets_api import FakeSheetsAPI  # noqa: E402

from sync import config as config_module  # noqa: E402
from sync import sheet, snapshot  # noqa: E402
from sync.commands import Context, tick  # noqa: E402
from sync.mail.message import Outgoing  # noqa: E402
from sync.mail.smtp import SmtpMailer  # noqa: E402
from sync.stores.google import GoogleSheetsStore  # noqa: E402
from sync.stores.retry import Backoff  # noqa: E402

SHEET_ID = "1PaniersBenchSheetId"
NOW = "2026-12-08 12:00"  # inside the ordering window of the generated current sale
LATER = "2026-12-08 12:10"  # the next cron run
SENDER = "paniers@example.org"


@dataclasses.dataclass
class Row:
    measure: str
    tool: str
    naive: str = ""
    ratio: str = ""
    target: str = ""
    met: str = ""


def now_in(config) -> datetime:
    return datetime.fromisoformat(NOW).replace(tzinfo=config.tz)


# --- (a) Google Sheets requests per tick ----------------------------------------------------------

class Recording:
    """A store that remembers what it was asked to write (for the naive script to write the same)."""

    def __init__(self, store):
        self.store, self.written = store, []

    def read(self, tabs):
        return self.store.read(tabs)

    def write(self, changes):
        self.written.append(changes)
        self.store.write(changes)

    def exists(self):
        return True

    def describe(self):
        return self.store.describe()

    def __getattr__(self, name):  # the store's other abilities (its claim on the sheet, its flush interval)
        return getattr(self.store, name)


def tool_requests(grids, folder: Path):
    api = FakeSheetsAPI()
    api.create(SHEET_ID, tabs=grids)
    config = config_module.from_dict({"mail": {"backend": "outbox"}}, base_dir=folder)
    store = Recording(GoogleSheetsStore(api.session(), SHEET_ID, backoff=Backoff(sleep=lambda s: None)))
    code = tick.run(Context(config, store, now_in(config), out=lambda text: None))
    assert code == 0, "the tick failed"
    return api.count(), store.written, config


def naive_requests(grids, written, config) -> int:
    """The same tick done the naive way: each tab opened and read on its own, each new row appended alone."""
    api = FakeSheetsAPI()
    api.create(SHEET_ID, tabs=grids)
    client = gspread.Client(auth=None, session=api.session())
    spreadsheet = client.open_by_key(SHEET_ID)
    tabs = {}
    for tab in snapshot.contract_tabs(config):
        try:
            worksheet = spreadsheet.worksheet(tab.name)
        except gspread.WorksheetNotFound:
            worksheet = spreadsheet.add_worksheet(tab.name, rows=100, cols=26)
        worksheet.get_all_values()
        tabs[tab.name] = worksheet
    for changes in written:
        for name, grid in changes.replace.items():  # the tick's new rows of a derived tab (all, on a first run)
            for row in grid:
                tabs[name].append_row(row, value_input_option="RAW")
        for name, append in changes.append.items():
            for row in append.rows:
                tabs[name].append_row(row, value_input_option="RAW")
    return api.count()


def google(sizes: list[int]) -> list[Row]:
    rows = []
    for households in sizes:
        grids = synthetic.group(households, 60, sales=1)
        with tempfile.TemporaryDirectory() as folder:
            tool, written, config = tool_requests(grids, Path(folder))
            started = time.perf_counter()
            naive = naive_requests(grids, written, config)
            naive_seconds = time.perf_counter() - started
        # A read, the claim before sending (a write and a read: sync/claims.py), the Journal flushed every 25
        # emails while they go (a runner without a lasting disk loses at most one batch), the read just before
        # the final write (people's typing kept: stores/layout.py), the final write. Bounded whatever the size:
        # a run sends at most [mail] max_per_run emails (100).
        bound = 5 + config.mail.max_per_run // 25
        rows.append(Row(f"Google Sheets requests per tick, {households} households", str(tool),
                        f"{naive} ({naive_seconds:.0f} s on the fake)", f"{naive / tool:.0f}x",
                        f"<= {bound}, bounded", "yes" if tool <= bound else "NO"))
    return rows


# --- (b) SMTP ---------------------------------------------------------------------------------------

def sample_emails(count: int):
    """``count`` confirmations of a real sale (composed by the tool), one per household."""
    from sync import refresh
    from sync.cycle import plan
    from sync.mail import compose
    from sync.mail.journal import Journal
    from sync.stores import MemoryStore

    config = config_module.from_dict({})
    grids = synthetic.group(min(count, 50), 60, sales=1)
    result = refresh.refresh(snapshot.read(MemoryStore(grids), config), config, now_in(config))
    due = plan(result, Journal([], None, config.tz), compose.Letterhead.from_config(config))
    confirmations = [e.ready() for e in due.emails if e.kind == "confirmation"]
    return [dataclasses.replace(confirmations[i % len(confirmations)], recipient=f"foyer{i:05d}@example.net")
            for i in range(count)], now_in(config)


PASSWORD = "s3cret"


@contextlib.contextmanager
def smtp_server(folder: Path, secure: bool, extensions: bool = True, delay: float = 0.0):
    """``benchmarks/smtp_sink.py`` in its own process: yields (port, stats), stats filled in when it stops."""
    command = [sys.executable, str(ROOT / "benchmarks" / "smtp_sink.py")] + ([] if extensions else ["--plain"])
    command += ["--delay", str(delay)] if delay else []
    if secure:
        command += ["--cert", str(folder / "server.pem"), "--key", str(folder / "server.key"), "--password", PASSWORD]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    stats: dict = {}
    try:
        yield int(child.stdout.readline()), stats
        child.stdin.write("stop\n")
        child.stdin.flush()
        stats.update(json.loads(child.stdout.readline()))
    finally:
        child.stdin.close()
        child.wait(timeout=30)


def smtp_once(emails, now, secure: bool, extensions: bool = True) -> tuple[float, int, float, int]:
    """(seconds, connections) for the tool, then for the yagmail loop, each against a fresh server process."""
    results = []
    with tempfile.TemporaryDirectory() as folder:
        client_context = None
        if secure:  # implicit TLS with a login, as Gmail on port 465 (a throwaway CA for the loopback server)
            ca = trustme.CA()
            certificate = ca.issue_cert("127.0.0.1")
            certificate.private_key_pem.write_to_path(f"{folder}/server.key")
            with open(f"{folder}/server.pem", "wb") as chain:
                for blob in certificate.cert_chain_pems:
                    chain.write(blob.bytes())
            client_context = ssl.create_default_context()
            ca.configure_trust(client_context)
        for naive in (False, True):
            with smtp_server(Path(folder), secure, extensions) as (port, stats):
                started = time.perf_counter()
                if naive:
                    yag = yagmail.SMTP(user=SENDER, password=PASSWORD if secure else None, host="127.0.0.1",
                                       port=port, smtp_ssl=secure, smtp_starttls=False, smtp_skip_login=not secure,
                                       soft_email_validation=False, **({"context": client_context} if secure else {}))
                    for email in emails:
                        yag.send(to=email.recipient, subject=email.subject, contents=[email.html])
                    yag.close()
                else:
                    mailer = SmtpMailer("127.0.0.1", port, "ssl" if secure else "none", SENDER,
                                        password=PASSWORD if secure else None, ssl_context=client_context)
                    outcomes = list(mailer.send((email, Outgoing(email, now)) for email in emails))
                    assert len(outcomes) == len(emails)
                seconds = time.perf_counter() - started
            assert stats["received"] == len(emails), stats
            results += [seconds, stats["connections"]]
    return tuple(results)


def smtp(count: int) -> list[Row]:
    emails, now = sample_emails(count)
    rows = []
    for secure, extensions, how in ((False, True, "plain, no login"), (True, True, "SSL + login, as Gmail"),
                                    (False, False, "plain, a server without PIPELINING nor 8BITMIME")):
        tool_seconds, tool_connections, naive_seconds, naive_connections = smtp_once(emails, now, secure, extensions)
        ratio = naive_seconds / tool_seconds
        met = "yes" if tool_connections == 1 else "NO"  # issue 19: speed is judged end to end, (d)
        rows.append(Row(f"SMTP: {count} emails to aiosmtpd on loopback, {how}",
                        f"{tool_seconds:.2f} s, {tool_connections} connection",
                        f"{naive_seconds:.2f} s, {naive_connections} connections", f"{ratio:.1f}x",
                        "1 connection", met))
    return rows


# --- (d) deliver(): what a tick does with its emails, end to end ------------------------------------

def deliver_once(emails, now, delay: float) -> tuple[float, int]:
    """(seconds, connections): ``deliver()`` of ``emails`` through the SMTP mailer to a fresh server process,
    journaling each send in a write-ahead file on disk (an fsync each), as a tick does."""
    from sync.mail.journal import Journal, WriteAheadLog
    from sync.mail.send import Limits, deliver

    with tempfile.TemporaryDirectory() as folder:
        with smtp_server(Path(folder), secure=False, delay=delay) as (port, stats):
            journal = Journal([], WriteAheadLog(Path(folder) / "wal.jsonl"), now.tzinfo)
            mailer = SmtpMailer("127.0.0.1", port, "none", SENDER)
            started = time.perf_counter()
            result = deliver(emails, mailer, journal, Limits(len(emails), len(emails)), now)
            seconds = time.perf_counter() - started
        assert len(result.sent) == len(emails) and not result.error, result.error
    assert stats["received"] == len(emails), stats
    return seconds, stats["connections"]


def delivery(count: int, runs: int) -> list[Row]:
    emails, now = sample_emails(count)
    rows = []
    for delay, how in ((0.0, "loopback"), (0.03, "loopback, each answer 30 ms late (a network's round trip)")):
        measured = [deliver_once(emails, now, delay) for _ in range(runs if not delay else 1)]
        seconds = sorted(s for s, _ in measured)
        connections = {c for _, c in measured}
        spread = f"{seconds[0]:.2f} s" if len(seconds) == 1 else f"{seconds[0]:.2f}–{seconds[-1]:.2f} s"
        rows.append(Row(f"deliver(): {count} emails through SMTP, journaled, {how}"
                        + (f" ({len(seconds)} runs)" if len(seconds) > 1 else ""),
                        f"{spread}, {'/'.join(map(str, sorted(connections)))} connection",
                        target="1 connection", met="yes" if connections == {1} else "NO"))
    return rows


# --- (c) tick on the local workbook ----------------------------------------------------------------

# The child runs jobs.py as its __main__ and, on the way out, notes its own peak memory: VmHWM of
# /proc/self/status, the high-water mark of this program's memory only. (ru_maxrss, from os.wait4 or
# getrusage, would count the benchmark's own memory too: Linux keeps the high-water mark of the process
# that forked, across exec.)
CHILD = """import runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    sys.stderr.write(f"\\nPEAK_KB {peak}\\n")
"""


def measured_tick(folder: Path, now: str) -> tuple[float, float, str]:
    """Run ``python jobs.py --config … tick --now …`` as a child: wall seconds, peak MB, its output."""
    log = folder / f"tick-{now[-5:].replace(':', '')}.log"
    with log.open("wb") as out:
        started = time.perf_counter()
        child = subprocess.run([sys.executable, "-c", CHILD, str(ROOT / "jobs.py"), "--config",
                                str(folder / "config.toml"), "tick", "--now", now],
                               stdout=out, stderr=subprocess.STDOUT, cwd=folder, check=False)
        seconds = time.perf_counter() - started
    text = log.read_text(encoding="utf-8")
    if child.returncode != 0:
        raise SystemExit(f"tick failed in {folder}:\n{text}")
    peak_kb = int(text.rsplit("PEAK_KB ", 1)[1].split()[0])
    return seconds, peak_kb / 1024, text


def local(label: str, grids, folder: Path) -> list[Row]:
    folder.mkdir(parents=True)
    synthetic.write_workbook(grids, folder / "paniers.xlsx")
    (folder / "config.toml").write_text('[group]\nname = "Banc d\'essai"\n[store]\npath = "paniers.xlsx"\n',
                                        encoding="utf-8")
    size = (folder / "paniers.xlsx").stat().st_size / 2**20
    rows = []
    for run, now in (("first tick", NOW), ("next tick, 10 min later", LATER)):
        seconds, peak, output = measured_tick(folder, now)
        moved = re.search(r"Archivé : (.*?) des ventes terminées \((\d+) ventes", output)
        if moved:  # the first run on years of history moves the finished sales to the archive tabs
            run += f" (archives {moved.group(2)} finished sales: {moved.group(1).replace('ligne(s) de', 'rows of')})"
        met = f"time {'yes' if seconds < 3 else 'NO'}, memory {'yes' if peak < 300 else 'NO'}"
        rows.append(Row(f"tick, local .xlsx ({size:.1f} MB), {label}: {run}", f"{seconds:.1f} s, {peak:.0f} MB",
                        target="< 3 s, < 300 MB", met=met))
    return rows


def workbook_rows(quick: bool, folder: Path) -> list[Row]:
    households = 200 if quick else 2000
    rows = local(f"{households} households x 60 products", synthetic.group(households, 60, sales=1),
                 folder / "sale")
    sales, per_sale = (12, 35) if quick else (120, 35)
    history = synthetic.group(per_sale, 60, sales=sales, pool=300, journal=True)
    counts = {name: len(grid) - 1 for name, grid in history.items()}
    label = (f"{sales} monthly sales ({counts[sheet.RESPONSES.name]} responses, "
             f"{counts[sheet.JOURNAL.name]} journal rows)")
    rows += local(label, history, folder / "history")
    return rows


# --- the table --------------------------------------------------------------------------------------

def table(rows: list[Row]) -> str:
    header = Row("measure", "Paniers", "naive", "ratio", "target", "met")
    cells = [dataclasses.astuple(r) for r in [header, *rows]]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header.__dict__))]
    lines = ["| " + " | ".join(c[i].ljust(widths[i]) for i in range(len(widths))) + " |" for c in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, to check the script itself")
    parser.add_argument("--keep", type=Path, help="keep the generated workbooks in this folder")
    parser.add_argument("--only", choices=("google", "smtp", "deliver", "tick"), action="append",
                        help="measure only this (may be repeated); everything by default")
    args = parser.parse_args()
    only = set(args.only or ("google", "smtp", "deliver", "tick"))
    started = time.perf_counter()
    rows: list[Row] = []
    if "google" in only:
        rows += google([10, 100] if args.quick else [10, 100, 1000])
    if "smtp" in only:
        rows += smtp(100 if args.quick else 500)
    if "deliver" in only:
        rows += delivery(50 if args.quick else 200, runs=1 if args.quick else 3)
    if "tick" in only:
        with contextlib.ExitStack() as stack:
            folder = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
            if args.keep and folder.exists():
                shutil.rmtree(folder)
            rows += workbook_rows(args.quick, folder)
    print(f"Paniers benchmarks — {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores, {platform.machine()}; {time.perf_counter() - started:.0f} s in all")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
