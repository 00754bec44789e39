"""Two schedulers pointed at the same Google Sheet: only one sends; the other stops and says why.

Before, a laptop's cron left running after the move to GitHub Actions ticked at the same minute as the
workflow: both read the same journal and both sent every email due. Now a tick about to send claims the sheet
(``sync/claims.py``) and the second one stops.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from conftest import PARIS, at
from fakes.sheets_api import FakeSheetsAPI
from fakes.smtp_server import running
from plain import plain
from test_cycle import group

from sync import claims
from sync import config as config_module
from sync.commands import Context, tick
from sync.stores.google import GoogleSheetsStore
from sync.stores.retry import Backoff

SHEET_ID = "1PaniersTwoSchedulers"
LAPTOP = {"PANIERS_MACHINE": "portable-de-martine"}
GITHUB = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "paniers-civam/paniers", "GITHUB_WORKFLOW": "paniers"}


# --- who goes on (pure) ---------------------------------------------------------------------------

def claim(machine: str, minute: int) -> claims.Claim:
    return claims.Claim(machine, machine.upper(), at("2026-12-01 09:00") + timedelta(minutes=minute))


def test_the_earlier_claim_of_another_machine_goes_first():
    mine = claim("b", 10)
    assert claims.rival([claim("a", 0), mine], mine) == claim("a", 0)  # a sent ten minutes ago: b stops
    assert claims.rival([claim("a", 11), mine], mine) is None  # a claimed after b: a is the one to stop
    assert claims.rival([claim("a", -25), mine], mine) is None  # a stopped sending more than 30 min ago
    assert claims.rival([claim("b", 0), mine], mine) is None  # its own earlier runs never stop a machine
    assert claims.rival([replace(claim("a", 0), withdrawn=True), mine], mine) is None  # a stopped run stops nobody
    a, b = claim("a", 10), claim("b", 10)
    assert claims.rival([a, b], b) == a and claims.rival([a, b], a) is None  # same moment: exactly one goes on


def test_claims_read_back_whatever_the_sheet_holds():
    one = claim("a", 0)
    assert claims.Claim.from_json(one.to_json()) == one
    assert claims.Claim.from_json("n'importe quoi") is None and claims.Claim.from_json('{"machine": 1}') is None


def test_which_machine_this_is():
    assert claims.this_machine(LAPTOP, "/x")[1] == "portable-de-martine"
    github, label = claims.this_machine(GITHUB, "/tmp/run-1")
    assert label == "GitHub Actions paniers-civam/paniers"
    assert claims.this_machine(GITHUB, "/tmp/run-2")[0] == github  # each run a new virtual machine, one scheduler
    here = claims.this_machine({}, "/home/martine/paniers")
    assert here[0] != claims.this_machine({}, "/home/martine/autre")[0]  # two groups on one computer


# --- two schedulers on one sheet -------------------------------------------------------------------

class Schedulers:
    """Two machines ticking against one fake Google Sheet and one real SMTP server."""

    def __init__(self, tmp_path, port):
        self.api = FakeSheetsAPI()
        self.api.create(SHEET_ID, tabs={n: [list(r) for r in rows] for n, rows in group().tabs.items()})
        self.tmp_path, self.port = tmp_path, port

    def tick(self, environ, moment, pause=lambda seconds: None):
        folder = self.tmp_path / claims.this_machine(environ, "")[0]  # each machine its own folder (and run lock)
        config = config_module.from_dict({
            "group": {"coordinator_email": "animation@example.org"},
            "mail": {"backend": "smtp", "host": "127.0.0.1", "port": self.port, "security": "none"}}, base_dir=folder)
        store = GoogleSheetsStore(self.api.session(), SHEET_ID, backoff=Backoff(sleep=pause))
        lines: list[str] = []
        outcome = tick.once(Context(config, store, moment, lines.append, environ))
        return outcome, plain("\n".join(lines))


@pytest.fixture
def two(tmp_path):
    with running() as (controller, server):
        yield Schedulers(tmp_path, controller.port), server


def sent_twice(server) -> int:
    counts = Counter((m["X-Paniers-Kind"], str(m["To"])) for m in server.messages())
    return sum(n - 1 for n in counts.values())


@pytest.mark.parametrize(("first", "second"), [(LAPTOP, GITHUB), (GITHUB, LAPTOP)])
def test_two_schedulers_ticking_at_the_same_minute_send_each_email_once(two, first, second):
    schedulers, server = two
    moment = at("2026-12-01 09:00")
    inner = {}

    def while_settling(seconds):  # the other machine's whole tick runs while this one waits for claims to land
        if seconds == claims.SETTLE and not inner:
            inner["outcome"] = schedulers.tick(second, moment)

    outer = schedulers.tick(first, moment, pause=while_settling)
    outcomes = [outer, inner["outcome"]]
    assert sorted(o.code for o, _ in outcomes) == [0, 1]  # exactly one of them sent
    assert server.messages() and sent_twice(server) == 0
    stopped = next(said for o, said in outcomes if o.code == 1)
    assert "envoie déjà les e-mails de ce Google Sheet" in stopped and "Gardez-en une seule" in stopped


def test_a_second_scheduler_ten_minutes_later_stops_and_the_first_goes_on(two):
    schedulers, server = two
    assert schedulers.tick(GITHUB, at("2026-12-01 09:00"))[0].code == 0
    outcome, said = schedulers.tick(LAPTOP, at("2026-12-01 09:12"))  # Anne's order at 09:10: a confirmation due
    assert outcome.code == 1 and outcome.sent == []
    assert "« GitHub Actions paniers-civam/paniers »" in said and "01/12/2026 à 09:00" in said
    assert schedulers.tick(GITHUB, at("2026-12-01 09:15"))[0].sent  # the first one sends Anne's confirmation
    assert sent_twice(server) == 0


def test_the_old_installation_silent_for_half_an_hour_no_longer_stops_the_new_one(two):
    schedulers, _ = two
    assert schedulers.tick(LAPTOP, at("2026-12-01 09:00"))[0].code == 0
    outcome, _ = schedulers.tick(GITHUB, at("2026-12-01 09:45"))
    assert outcome.code == 0 and outcome.sent


def test_a_tick_with_nothing_to_send_claims_nothing(two):
    schedulers, _ = two
    schedulers.tick(GITHUB, at("2026-12-01 09:00"))
    schedulers.api.reset()
    outcome, _ = schedulers.tick(LAPTOP, at("2026-12-01 09:05"))  # nothing new since 09:00
    assert outcome.code == 0 and outcome.sent == []
    assert schedulers.api.kinds() == ["spreadsheets.get"]  # read-only, no claim written


def test_claims_live_out_of_peoples_sight(two):
    schedulers, _ = two
    schedulers.tick(GITHUB, at("2026-12-01 09:00"))
    book = schedulers.api.books[SHEET_ID]
    (entry,) = book.metadata
    assert entry["metadataKey"] == claims.KEY and entry["visibility"] == "DOCUMENT"
    assert claims.Claim.from_json(entry["metadataValue"]).at == at("2026-12-01 09:00").astimezone(PARIS)
    assert all("paniers.passage" not in str(book.values(title)) for title in book.titles())
