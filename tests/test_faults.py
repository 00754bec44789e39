"""Faults injected end to end: what a run survives, and what it leaves behind.

- the process killed (a real ``kill -9`` of ``python jobs.py … tick``) at seeded points of a tick that
  sends 200 emails to a real SMTP server on loopback, then run again until done: every email arrives, at
  most one twice per kill, and the workbook opens and reads after every kill;
- storms of 429 and 500 from the Sheets API (the in-process fake): each tick finishes or stops with a
  French error, the spreadsheet is never half-written, and the next calm tick ends where a calm run ends;
- SMTP refusals (4xx then accepted, 5xx for good) and dropped connections: refused addresses reported in
  Anomalies, deferred ones sent on a later run, none twice;
- the workbook open in LibreOffice (its lock file): a clear refusal before anything is sent, nothing lost.

Seeded, no real clock in the runs (``--now``), free ports on loopback only.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import synthetic
from conftest import at
from fakes.sheets_api import FakeSheetsAPI
from fakes.smtp_server import Recorder, running
from plain import into

from sync import config as config_module
from sync import cycle, refresh, sheet, snapshot
from sync.commands import Context, tick, tick_work
from sync.errors import PaniersError
from sync.mail import compose
from sync.mail.journal import Journal
from sync.mail.memory import MemoryMailer
from sync.stores import LocalWorkbookStore, MemoryStore
from sync.stores.google import GoogleSheetsStore
from sync.stores.retry import Backoff

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-12-08 12:00"  # inside the generated sale's ordering window: confirmations and announcements are due
SHEET_ID = "1PaniersFaultsSheetId"


def small_group(households: int, others: int = 0, seed: int = 7) -> dict:
    """A sale of ``households`` orders; every one of them subscribed, and ``others`` subscribers who have not
    ordered (they get the announcement)."""
    grids = synthetic.group(households, 12, sales=1, seed=seed, phone_orders=0)
    people = [synthetic.household(i) for i in range(households + others)]
    grids[sheet.CLIENTS.name] = [sheet.CLIENTS.header,
                                 *[[address, last, first, phone, "oui", "01/09/2026", ""]
                                   for first, last, address, phone in people]]
    return grids


def write_config(folder: Path, port: int, **mail) -> Path:
    options = {"backend": "smtp", "host": "127.0.0.1", "port": port, "security": "none", "max_per_run": 500,
               "max_per_day": 1000, **mail}
    lines = ["[group]", 'name = "Les Paniers du test"', "[store]", 'path = "paniers.xlsx"', "[mail]"]
    lines += [f"{key} = {value!r}".replace("'", '"') for key, value in options.items()]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def due_keys(grids: dict, now: str) -> set[tuple[str, str]]:
    """(kind, recipient) of every email a calm tick sends at ``now`` (what the tool itself plans)."""
    config = config_module.Config()
    result = refresh.refresh(snapshot.read(MemoryStore(grids), config), config, at(now))
    due = cycle.plan(result, Journal([], None, config.tz), compose.Letterhead.from_config(config))
    return {(e.kind, e.recipient) for e in due.emails}


def received_keys(server: Recorder) -> list[tuple[str, str, str]]:
    return [(str(m["X-Paniers-Kind"]), m["To"].addresses[0].addr_spec, str(m["Message-ID"]))
            for m in server.messages()]


def workbook_reads(path: Path) -> dict:
    """The workbook opens and every tab reads (what a corrupted file would not do)."""
    grids = LocalWorkbookStore(path).read([t.name for t in sheet.ALL_TABS])
    assert grids[sheet.PRODUCTS.name] and grids[sheet.RESPONSES.name]
    return grids


def tick_process(config: Path, now: str = NOW) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "jobs.py"), "--config", str(config), "tick", "--now", now],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=config.parent)


# --- kill -9 ----------------------------------------------------------------------------------------

class KillingRecorder(Recorder):
    """Kills the client (SIGKILL) right after taking message number ``kill_at`` of the current run, before
    answering it: the server has the message, the sender never hears so (the worst moment to die)."""

    def __init__(self):
        super().__init__()
        self.victim: subprocess.Popen | None = None
        self.kill_at: int | None = None
        self.taken = 0
        self.killed = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        self.taken += 1
        if self.victim is not None and self.kill_at is not None and self.taken >= self.kill_at:
            self.victim.send_signal(signal.SIGKILL)
            self.kill_at = None
            self.killed.set()
        return answer


def test_kill_9_at_random_points_then_rerun_until_done(tmp_path):
    rng = random.Random(20261208)
    grids = small_group(100, others=100)  # 100 confirmations, 100 announcements, the anomalies to the coordinator
    expected = due_keys(grids, NOW)
    assert len(expected) == 201
    synthetic.write_workbook(grids, tmp_path / "paniers.xlsx")
    handler = KillingRecorder()
    kills = 0
    with running(handler) as (controller, _):
        config = write_config(tmp_path, controller.port)
        # three kills right after the server took a seeded message number (at most 120 of the 201: each lands),
        # one at a seeded moment of a run, one while the workbook is being saved (its temporary copy exists)
        plans = [("message", rng.randint(5, 40)), ("message", rng.randint(5, 40)), ("message", rng.randint(5, 40)),
                 ("seconds", rng.uniform(0.5, 4.0)), ("saving", None)]
        for how, when in plans:
            handler.taken = 0
            handler.killed.clear()
            child = tick_process(config)
            handler.victim = child
            if how == "message":
                handler.kill_at = when
                while not handler.killed.wait(0.05) and child.poll() is None:
                    pass
            elif how == "seconds":
                time.sleep(when)
                child.send_signal(signal.SIGKILL)
            else:
                while child.poll() is None and not list(tmp_path.glob(".paniers.xlsx.*.tmp")):
                    time.sleep(0.001)
                child.send_signal(signal.SIGKILL)
            child.communicate(timeout=60)
            handler.victim, handler.kill_at = None, None
            if child.returncode == -signal.SIGKILL:
                kills += 1
            workbook_reads(tmp_path / "paniers.xlsx")  # never corrupted, whenever the kill came
        assert kills >= 3
        for _ in range(4):  # then cron goes on, calmly, until there is nothing left to send
            before = len(handler.received)
            child = tick_process(config)
            out, err = child.communicate(timeout=120)
            assert child.returncode == 0, out + err
            if len(handler.received) == before:
                break
        received = received_keys(handler)
    assert {(kind, to) for kind, to, _ in received} == expected  # every email arrived
    duplicates = len(received) - len({message_id for _, _, message_id in received})
    print(f"\nFIGURES kill -9: {len(plans)} runs killed ({kills} by SIGKILL) then calm runs; {len(expected)} "
          f"emails due, {len(expected) - len({(k, t) for k, t, _ in received})} lost, {duplicates} duplicated")
    assert duplicates <= kills  # at most one twice per kill
    grids = workbook_reads(tmp_path / "paniers.xlsx")
    journal = sheet.read_table(grids[sheet.JOURNAL.name], sheet.JOURNAL).frame
    assert len(journal) == len(expected) and journal["Clé"].is_unique  # each send journaled once
    assert not list(tmp_path.glob(".paniers.xlsx.*.tmp"))  # no temporary workbook left behind by the kills


# --- Sheets API storms ------------------------------------------------------------------------------

def storm(api: FakeSheetsAPI, rng: random.Random) -> None:
    """A seeded burst of Google's failures on the next requests: quota (429), server errors, lost answers."""
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["429", "500", "503", "drop", "drop-after"])
        when = rng.choice(["spreadsheets.get", "spreadsheets.batchUpdate"])
        times = rng.randint(1, 6)
        if kind == "drop":
            api.drop(times, when=when)
        elif kind == "drop-after":
            api.drop(times, after_apply=True, when=when)
        else:
            api.fail(int(kind), times, when=when)


def google_tick(api, folder: Path, mailer: MemoryMailer, monkeypatch) -> tuple[int | None, str]:
    config = config_module.from_dict({"mail": {"max_per_run": 500}}, base_dir=folder)
    store = GoogleSheetsStore(api.session(), SHEET_ID, backoff=Backoff(attempts=4, sleep=lambda s: None))
    monkeypatch.setattr(tick_work, "open_mailer", lambda config, environ: mailer)
    out: list[str] = []
    try:
        return tick.run(Context(config, store, at(NOW), into(out))), "\n".join(out)
    except PaniersError as exc:
        return None, str(exc)


def test_sheets_api_storms_end_in_french_errors_never_in_half_written_sheets(tmp_path, monkeypatch):
    grids = small_group(30)
    calm_api, calm_mailer = FakeSheetsAPI(), MemoryMailer()
    calm_api.create(SHEET_ID, tabs=grids)
    assert google_tick(calm_api, tmp_path / "calm", calm_mailer, monkeypatch)[0] == 0
    calm = calm_api.books[SHEET_ID]

    rng = random.Random(429)
    api, mailer = FakeSheetsAPI(), MemoryMailer()
    book = api.create(SHEET_ID, tabs=grids)
    failures = 0
    for _ in range(8):
        before = {title: book.values(title) for title in book.titles()}
        storm(api, rng)
        code, said = google_tick(api, tmp_path / "storm", mailer, monkeypatch)
        api.faults.clear()
        if code is None:
            failures += 1
            assert "Google" in said and ("Réessayez" in said or "Rien n'a été" in said or "connexion" in said), said
        for title in ("Commandes", "Émargement", "Anomalies"):  # a derived tab is as before, or complete
            if title in book.titles():
                assert book.values(title) in (before.get(title), calm.values(title)), title
        keys = [row[5] for row in book.values("Journal")[1:]] if "Journal" in book.titles() else []
        assert len(keys) == len(set(keys))  # nothing journaled twice
    assert failures >= 1  # the storms did make some runs fail
    print(f"\nFIGURES Sheets API storms: 8 runs under 429/5xx/dropped connections, {failures} stopped with a French "
          "error; derived tabs never half-written")
    assert google_tick(api, tmp_path / "storm", mailer, monkeypatch)[0] == 0  # the calm after the storm
    for title in ("Commandes", "Par producteur", "Émargement", "Clients"):
        assert book.values(title) == calm.values(title), title
    sent = [email.key for email, _ in mailer.sent]
    assert len(sent) == len(set(sent)) == len(calm_mailer.sent)  # every email once, as in a calm run
    assert sorted(row[5] for row in book.values("Journal")[1:]) == sorted(sent)


# --- SMTP refusals and dropped connections -------------------------------------------------------

class MoodyRecorder(Recorder):
    """Refuses some recipients for good (550), some for now (451, the first time only), and cuts the
    connection after it has taken every ``drop_after`` messages (before the next MAIL)."""

    def __init__(self, refuse: set[str], defer: set[str], drop_after: int):
        super().__init__(refuse=refuse, drop_after=drop_after)
        self.defer = set(defer)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.defer:
            self.defer.discard(address.lower())
            return "451 4.7.1 Greylisted, please try again later"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def test_smtp_refusals_deferrals_and_dropped_connections(tmp_path):
    rng = random.Random(550)
    grids = small_group(40, others=20)
    addresses = sorted({to for _, to in due_keys(grids, NOW)})
    picked = rng.sample(addresses, 8)
    refused, deferred = set(picked[:3]), set(picked[3:])
    handler = MoodyRecorder(refused, deferred, drop_after=25)
    store = MemoryStore(grids)
    with running(handler) as (controller, _):
        config = config_module.from_dict({"mail": {
            "backend": "smtp", "host": "127.0.0.1", "port": controller.port, "security": "none",
            "max_per_run": 500}}, base_dir=tmp_path)
        outputs = []
        for _ in range(3):
            out: list[str] = []
            code = tick.run(Context(config, store, at(NOW), into(out)))
            outputs.append("\n".join(out))
            assert code == 0, outputs[-1]
    received = received_keys(handler)
    expected = {(kind, to) for kind, to in due_keys(grids, NOW) if to not in refused}
    assert {(kind, to) for kind, to, _ in received} == expected  # deferred ones too, on a later run
    assert len(received) == len({message_id for *_, message_id in received})  # a cut before MAIL: none twice
    assert handler.connections >= 3  # the connection was cut and opened again
    assert not {to for _, to, _ in received} & refused
    assert "reporté" in outputs[0] and "refusé" in outputs[0]
    anomalies = sheet.read_table(store.tabs["Anomalies"], sheet.ANOMALIES).frame
    reported = set(anomalies.loc[anomalies["Onglet"] == "Journal", "Valeur"])
    assert reported == refused  # each address refused for good is in Anomalies, in French
    assert all("refusée" in message for message in anomalies.loc[anomalies["Onglet"] == "Journal", "Problème"])


class StubbornRecorder(Recorder):
    """Defers one recipient at RCPT with the same 4xx on every connection, run after run."""

    def __init__(self, defer: str, answer: str):
        super().__init__()
        self.defer, self.answer = defer, answer

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() == self.defer:
            return self.answer
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def test_a_recipient_deferred_day_after_day_is_named_then_an_anomaly(tmp_path):
    """Issue 15, through ``tick``: the one deferred recipient blocks nobody, each run's report names it, and
    after more than a day of runs it is an Anomalies warning that says what to do."""
    grids = small_group(6)
    due = sorted(due_keys(grids, NOW))
    stuck = next(to for k, to in due if k == "confirmation")
    handler = StubbornRecorder(stuck, "452 4.2.2 The email account that you tried to reach is over quota")
    store = MemoryStore(grids)
    outputs = []
    with running(handler) as (controller, _):
        config = config_module.from_dict({"mail": {
            "backend": "smtp", "host": "127.0.0.1", "port": controller.port, "security": "none",
            "max_per_run": 500}}, base_dir=tmp_path)
        for moment in (at(NOW), at(NOW) + timedelta(hours=6), at(NOW) + timedelta(days=1, hours=1)):
            out: list[str] = []
            code = tick.run(Context(config, store, moment, into(out)))
            outputs.append("\n".join(out))
            assert code == 0, outputs[-1]
            anomalies = sheet.read_table(store.tabs["Anomalies"], sheet.ANOMALIES).frame
            about = anomalies[anomalies["Valeur"] == stuck]
            assert about.empty == (moment < at(NOW) + timedelta(days=1)), outputs[-1]
    received = {(k, to) for k, to, _ in received_keys(handler)}
    assert received == {(k, to) for k, to in due if to != stuck}  # everything else went on the first run
    for output in outputs:
        [line] = [line for line in output.splitlines() if stuck in line and "reporté par le serveur" in line]
        assert "· Confirmation de commande →" in line and "452 4.2.2" in line
    [row] = about.to_dict("records")
    assert (row["Gravité"], row["Onglet"], row["Vente"]) == ("avertissement", "Journal", due_sale(grids))
    assert "refuse temporairement" in row["Problème"] and "depuis le 08/12/2026 à 12:00" in row["Problème"]
    assert "vérifiez l'adresse" in row["Problème"]
    assert "refuse temporairement" in outputs[-1]  # and the run's report says it too
    journal_rows = [r for r in store.tabs["Journal"][1:] if stuck in r]
    assert len(journal_rows) == 1 and "reporté : 452 4.2.2" in journal_rows[0][2]  # remembered once


def due_sale(grids: dict) -> str:
    return str(grids[sheet.SALES.name][1][0])


# --- the workbook open in LibreOffice -------------------------------------------------------------

def test_a_workbook_open_in_libreoffice_is_refused_before_anything_is_sent(tmp_path):
    grids = small_group(10)
    synthetic.write_workbook(grids, tmp_path / "paniers.xlsx")
    lock = tmp_path / ".~lock.paniers.xlsx#"
    lock.write_text(",Martine,pc-asso,08.12.2026 11:58,file:///home/martine/.config/libreoffice/4;", encoding="utf-8")
    before = (tmp_path / "paniers.xlsx").read_bytes()
    with running(Recorder()) as (controller, server):
        config = write_config(tmp_path, controller.port)
        child = tick_process(config)
        out, err = child.communicate(timeout=60)
        assert child.returncode == 1
        assert "ouvert dans un autre programme" in err and "Fermez-le dans LibreOffice" in err
        assert server.received == []  # nothing sent while the workbook could not be written
        assert (tmp_path / "paniers.xlsx").read_bytes() == before
        lock.unlink()  # LibreOffice closed: the next run does everything
        child = tick_process(config)
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, out + err
        assert len(server.received) == len(due_keys(grids, NOW))
