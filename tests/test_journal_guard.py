"""The journal is the only memory of what was sent: renamed, deleted or emptied, it stops every send.

Without the guard, the next tick after someone emptied or deleted ``Journal`` sent again every email it had
ever sent (announcements, confirmations...), silently. Now nothing goes, a French message says what happened
and how to restore the tab, and once it is restored nothing is sent twice.
"""

from __future__ import annotations

import pytest
from conftest import at
from fakes.sheets_api import FakeSheetsAPI
from test_cycle import group

from sync import config as config_module
from sync import sheet
from sync.commands import Context, tick
from sync.stores.google import GoogleSheetsStore
from sync.stores.retry import Backoff


@pytest.fixture
def config(tmp_path):
    return config_module.from_dict({"group": {"coordinator_email": "animation@example.org"}}, base_dir=tmp_path)


def run(config, store, moment, new_journal=False):
    lines: list[str] = []
    outcome = tick.once(Context(config, store, at(moment), lines.append), new_journal=new_journal)
    return outcome, "\n".join(lines)


def settled(config, store) -> list:
    """Two ticks: the announcements and confirmations go, then the write-ahead file is emptied as the Journal
    tab shows every send (from then on the tab is the only memory of them)."""
    first, _ = run(config, store, "2026-12-01 09:00")
    second, _ = run(config, store, "2026-12-01 09:15")
    assert first.code == second.code == 0 and len(first.sent) >= 4
    return [*first.sent, *second.sent]


def test_an_emptied_or_deleted_journal_sends_nothing_and_says_how_to_restore_it(config):
    store = group()
    settled(config, store)
    journal = [list(row) for row in store.tabs[sheet.JOURNAL.name]]

    store.tabs[sheet.JOURNAL.name] = journal[:1]  # a volunteer emptied it (the header stays)
    outcome, said = run(config, store, "2026-12-01 09:20")
    assert outcome.code == 1 and outcome.sent == []
    assert "L'onglet Journal est vide alors que des e-mails sont déjà partis" in said
    assert "Historique des versions" in said and "--new-journal" in said
    assert any("Journal est vide" in str(row) for row in store.tabs[sheet.ANOMALIES.name])

    del store.tabs[sheet.JOURNAL.name]  # ... or deleted it, or renamed it
    outcome, said = run(config, store, "2026-12-01 09:30")
    assert outcome.code == 1 and outcome.sent == [] and "L'onglet Journal est introuvable" in said

    store.tabs[sheet.JOURNAL.name] = journal  # restored from the version history
    outcome, said = run(config, store, "2026-12-01 09:45")
    assert outcome.code == 0 and outcome.sent == []  # nothing twice
    assert "Journal est" not in said


def test_the_coordinator_can_confirm_that_nothing_was_ever_sent(config):
    store = group()
    sent = settled(config, store)
    store.tabs[sheet.JOURNAL.name] = store.tabs[sheet.JOURNAL.name][:1]
    assert run(config, store, "2026-12-01 09:20")[0].sent == []
    outcome, _ = run(config, store, "2026-12-01 09:30", new_journal=True)  # her word against the evidence
    # she was wrong: what the write-ahead file no longer holds goes a second time, as she asked
    assert outcome.code == 0 and {e.key for e in outcome.sent} & {e.key for e in sent}


def test_a_group_that_never_sent_is_not_stopped(config):
    """No write-ahead file, no Pesées: a first tick, even after ``check`` computed a closed sale, sends."""
    from sync.commands import check

    store = group()
    check.run(Context(config, store, at("2026-12-04 10:00"), lambda line: None))  # the sale closed on the 3rd
    outcome, said = run(config, store, "2026-12-04 10:00")
    assert outcome.code == 0 and outcome.sent and "Journal est" not in said


def test_a_journal_tab_renamed_on_google_sends_nothing(config):
    api = FakeSheetsAPI()
    book = api.create("1JournalGuardSheetId", tabs={n: [list(r) for r in rows] for n, rows in group().tabs.items()},
                      typed=True)

    def store():
        return GoogleSheetsStore(api.session(), "1JournalGuardSheetId", account=api.account,
                                 backoff=Backoff(sleep=lambda s: None))

    settled(config, store())
    before = len(book.values(sheet.JOURNAL.name))
    book.rename(sheet.JOURNAL.name, "Journal (ancien)")
    outcome, said = run(config, store(), "2026-12-01 09:20")
    assert outcome.code == 1 and outcome.sent == [] and "L'onglet Journal est introuvable" in said
    assert "Journal" not in book.titles()  # nothing appended to a new, empty Journal either
    book.rename("Journal (ancien)", sheet.JOURNAL.name)
    outcome, _ = run(config, store(), "2026-12-01 09:30")
    assert outcome.code == 0 and outcome.sent == [] and len(book.values(sheet.JOURNAL.name)) == before


def test_a_failed_final_write_on_a_runner_without_disk_resends_one_batch_at_most(tmp_path):
    """GitHub Actions keeps no disk between runs. A tick sends ~100 emails and its final write to the sheet fails
    (a quota storm longer than the back-off): the next run, on a fresh runner without the write-ahead file,
    sends again only what was not yet flushed to the Journal tab, at most one batch (``send.BATCH``)."""
    from collections import Counter

    from fakes.smtp_server import running
    from test_faults import NOW, SHEET_ID, small_group

    from sync.errors import StoreError
    from sync.mail.send import BATCH

    api = FakeSheetsAPI()
    api.create(SHEET_ID, tabs=small_group(30, others=83))

    def final_write(call) -> bool:  # the run's last write rewrites the derived tabs; a flush only adds Journal rows
        return call.kind == "spreadsheets.batchUpdate" and any("updateCells" in r for r in call.body["requests"])

    with running() as (controller, server):
        def tick_on_a_fresh_runner(folder) -> int | None:
            config = config_module.from_dict({"group": {"coordinator_email": "animation@example.org"},
                                              "mail": {"backend": "smtp", "host": "127.0.0.1",
                                                       "port": controller.port, "security": "none",
                                                       "max_per_run": 500, "max_per_day": 1000}}, base_dir=folder)
            store = GoogleSheetsStore(api.session(), SHEET_ID, backoff=Backoff(attempts=3, sleep=lambda s: None))
            try:
                # every run of the workflow is a new virtual machine, the same scheduler (claims.this_machine)
                environ = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "amap/paniers", "GITHUB_WORKFLOW": "tick"}
                return tick.run(Context(config, store, at(NOW), lambda line: None, environ))
            except StoreError:
                return None

        api.fail(429, times=1000, when=final_write)
        assert tick_on_a_fresh_runner(tmp_path / "run1") is None  # the final write never lands
        first = len(server.messages())
        api.faults.clear()
        assert tick_on_a_fresh_runner(tmp_path / "run2") == 0  # a new runner: no write-ahead file
        sent = Counter((m["X-Paniers-Kind"], str(m["To"])) for m in server.messages())
    twice = sum(count - 1 for count in sent.values())
    print(f"\nFIGURES final write failed on a runner without disk: {first} emails sent, {twice} sent again")
    assert first >= 4 * BATCH  # a big run: several batches
    assert twice < BATCH  # only what was still waiting to be flushed (all of them, before: 100)
