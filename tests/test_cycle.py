"""The monthly cycle on autopilot: a whole sale replayed at 15-minute steps against a real SMTP server.

The group is the demo's catalogue with a short sale (orders open three days) and five households;
the assertions are on what the server received: each person's emails, by kind, none twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from conftest import at
from fakes.smtp_server import running
from plain import into, plain

from sync import config as config_module
from sync import demo, sheet
from sync.commands import Context, tick
from sync.runlock import exclusive
from sync.stores import Changes, MemoryStore

COORDINATOR = "animation@example.org"
A, B, C, D, E = ("anne@example.org", "bruno@example.org", "chloe@example.net", "denis@example.com",
                 "emma@example.org")
PEOPLE = {A: ("Anne", "Aubert"), B: ("Bruno", "Blanc"), C: ("Chloé", "Cordier"), D: ("Denis", "Dupuis"),
          E: ("Emma", "Étienne")}
SALE = ["2026-12", "Vente de décembre", "01/12/2026 08:00", "03/12/2026 20:00", "04/12/2026 17:00",
        "04/12/2026 19:00", "Salle des fêtes", "non", "", ""]


def responses() -> list[list[str]]:
    """The form's answers, in Google's shape: who orders what, when (a modification and a stock cut)."""
    grids = demo.build()
    columns = grids[sheet.RESPONSES.name][0]

    def answer(email, moment, order):
        first, last = PEOPLE[email]
        return demo._response(columns, (first, last, email, "06 00 00 00 00"), datetime.fromisoformat(moment),
                              order)

    return [columns,
            answer(A, "2026-12-01 09:10:03", {"PAIN1": "2", "VIA2": "1"}),
            answer(B, "2026-12-01 10:00:41", {"VIA2": "2", "OEU1": "1"}),
            answer(C, "2026-12-02 12:00:12", {"VIA2": "3"}),  # the veal boxes (stock 4) run out: 1 for Chloé
            answer(A, "2026-12-02 18:00:30", {"PAIN1": "1", "VIA2": "1"}),  # Anne changes her mind
            answer(E, "2026-12-03 10:00:00", {"LEG1": "1"})]  # Emma is not subscribed: she still gets her order


def group() -> MemoryStore:
    grids = demo.build()
    clients = [sheet.CLIENTS.header] + [[email, last, first, "", "non" if email == E else "oui", "01/09/2026", ""]
                                        for email, (first, last) in PEOPLE.items()]
    return MemoryStore({
        sheet.PRODUCERS.name: grids[sheet.PRODUCERS.name], sheet.PRODUCTS.name: grids[sheet.PRODUCTS.name],
        sheet.SALES.name: [sheet.SALES.header, SALE], sheet.CLIENTS.name: clients,
        sheet.RESPONSES.name: responses(), sheet.MANUAL.name: [sheet.MANUAL.header],
    })


@pytest.fixture
def smtp():
    with running() as (controller, handler):
        yield controller.port, handler


def smtp_config(tmp_path, port):
    return config_module.from_dict({
        "group": {"coordinator_email": COORDINATOR},
        "mail": {"backend": "smtp", "host": "127.0.0.1", "port": port, "security": "none"},
    }, base_dir=tmp_path)


def weigh(store: MemoryStore) -> None:
    """After the distribution the meat producer types the weights into the rows tick prepared."""
    grid = store.tabs["Pesées"]
    header = grid[0]
    column = header.index("Poids (kg)")
    for row in grid[1:]:
        row += [""] * (len(header) - len(row))
        row[column] = 5.2 * int(row[header.index("Quantité")])
    store.write(Changes(replace={"Pesées": grid}))


def replay(store, config, start, end, skip=None, events=None, step=timedelta(minutes=15)):
    """Tick every 15 minutes from start to end (except inside ``skip``, when the machine is off)."""
    now, outputs = start, []
    while now <= end:
        for moment, action in (events or {}).items():
            if moment == now:
                action(store)
        if not (skip and skip[0] <= now < skip[1]):
            lines: list[str] = []
            outcome = tick.once(Context(config, store, now, into(lines)))
            assert outcome.code == 0, lines
            outputs.append((now, lines))
        now += step
    return outputs


def received(handler) -> Counter:
    return Counter((m["X-Paniers-Kind"], str(m["To"].addresses[0].addr_spec)) for m in handler.messages())


EXPECTED = Counter({
    ("orders_open", A): 1, ("orders_open", B): 1, ("orders_open", C): 1, ("orders_open", D): 1,
    ("confirmation", A): 1, ("confirmation", B): 1, ("confirmation", C): 1, ("confirmation", E): 1,
    ("modified", A): 1,
    ("closing_reminder", C): 1, ("closing_reminder", D): 1,
    ("producer_orders", "fournil.des.vignes@example.org"): 1, ("producer_orders", "trois.chenes@example.org"): 1,
    ("producer_orders", "poules.varennes@example.net"): 1, ("producer_orders", "jardins.fontaine@example.org"): 1,
    ("closing_summary", COORDINATOR): 1,
    ("pickup_reminder", A): 1, ("pickup_reminder", B): 1, ("pickup_reminder", C): 1, ("pickup_reminder", E): 1,
    ("final_amounts", A): 1, ("final_amounts", B): 1, ("final_amounts", C): 1,
    # after the distribution, each producer who sold gets a recap (the meat one once weighed), and so does
    # the coordinator (the weights being in)
    ("producer_recap", "fournil.des.vignes@example.org"): 1, ("producer_recap", "trois.chenes@example.org"): 1,
    ("producer_recap", "poules.varennes@example.net"): 1, ("producer_recap", "jardins.fontaine@example.org"): 1,
    ("coordinator_recap", COORDINATOR): 1,
})


def test_a_whole_sale_at_15_minute_steps(tmp_path, smtp):
    port, handler = smtp
    store = group()
    outputs = replay(store, smtp_config(tmp_path, port), at("2026-12-01 07:00"), at("2026-12-05 12:00"),
                     events={at("2026-12-05 09:00"): weigh})
    got = received(handler)
    digests = got.pop(("anomalies", COORDINATOR), 0)
    assert got == EXPECTED  # every person's emails, by kind, each exactly once
    assert 1 <= digests <= 2  # the stock cut is reported to the coordinator, at most once a day
    chloe = next(m for m in handler.messages()
                 if m["X-Paniers-Kind"] == "confirmation" and m["To"].addresses[0].addr_spec == C)
    text = plain(chloe.get_body(("plain",)).get_content())
    assert "1 × Colis de veau" in text and "demandé 3" in text  # what she got, and what she had asked
    # the recaps: those with nothing sold by weight at the end of the distribution, the others once weighed
    sent_at = {(m["X-Paniers-Kind"], m["To"].addresses[0].addr_spec): m["Date"].datetime for m in handler.messages()}
    assert sent_at[("producer_recap", "fournil.des.vignes@example.org")] == at("2026-12-04 19:00")
    assert sent_at[("producer_recap", "trois.chenes@example.org")] == at("2026-12-05 09:00")
    assert sent_at[("coordinator_recap", COORDINATOR)] == at("2026-12-05 09:00")
    recap = next(m for m in handler.messages() if m["X-Paniers-Kind"] == "coordinator_recap")
    assert recap.get_body(("html",)).get_content().count('src="cid:') == 2
    # a household never sees another's address
    assert all(len(r.rcpt_tos) == 1 for r in handler.received)
    # the derived tabs are there, and the journal has one row per email
    assert len(store.tabs["Journal"]) - 1 == len(handler.received)
    # a quiet tick says so
    assert any("rien de nouveau" in line for _, lines in outputs for line in lines)


def test_the_machine_off_for_two_days(tmp_path, smtp):
    port, handler = smtp
    store = group()
    outputs = replay(store, smtp_config(tmp_path, port), at("2026-12-01 07:00"), at("2026-12-04 20:00"),
                     skip=(at("2026-12-01 09:00"), at("2026-12-03 21:00")))
    got = received(handler)
    got.pop(("anomalies", COORDINATOR), None)
    # sent late, still meaningful: confirmations, producer lists, pickup reminders
    for key in [("confirmation", A), ("confirmation", C), ("confirmation", E), ("producer_orders",
                "trois.chenes@example.org"), ("closing_summary", COORDINATOR), ("pickup_reminder", C)]:
        assert got[key] == 1, key
    # too late: the reminder before closing, and the "modified" (Anne's first confirmation already shows
    # her final order, since both her submissions came in while the machine was off)
    assert ("closing_reminder", C) not in got and ("closing_reminder", D) not in got
    assert ("modified", A) not in got
    assert max(got.values()) == 1
    first_back = next(lines for moment, lines in outputs if moment == at("2026-12-03 21:00"))
    assert any("rappel avant clôture" in line and "trop tard" in line for line in first_back)


def test_a_second_run_yields_while_one_is_running(tmp_path, smtp):
    port, handler = smtp
    config = smtp_config(tmp_path, port)
    store = group()
    lines: list[str] = []
    with exclusive(tmp_path / ".paniers.lock", at("2026-12-01 08:00")):
        outcome = tick.once(Context(config, store, at("2026-12-01 08:00"), into(lines)))
    assert outcome.yielded and outcome.code == 0
    assert "Un autre passage est en cours" in lines[0]
    assert handler.received == [] and "Journal" not in store.tabs
    assert tick.once(Context(config, store, at("2026-12-01 08:00"), into(lines))).sent


def test_running_twice_sends_nothing_twice(tmp_path, smtp):
    port, handler = smtp
    config = smtp_config(tmp_path, port)
    store = group()
    for _ in range(3):
        tick.once(Context(config, store, at("2026-12-03 20:30"), lambda _: None))
    got = received(handler)
    assert got and max(got.values()) == 1


def test_a_broken_workbook_sends_nothing_and_says_why(tmp_path, smtp):
    port, handler = smtp
    store = group()
    store.tabs["Produits"][0][4] = "Tarif"  # someone renamed the Prix column
    lines: list[str] = []
    outcome = tick.once(Context(smtp_config(tmp_path, port), store, at("2026-12-01 10:00"), into(lines)))
    assert outcome.code == 1 and handler.received == []
    assert any("Prix" in line for line in lines)


def test_the_demo_plays_a_whole_sale(tmp_path, capsys):
    import jobs

    assert jobs.main(["demo", "--out", str(tmp_path / "demo")]) == 0
    out = plain(capsys.readouterr().out)
    outbox = tmp_path / "demo" / "outbox"
    names = [p.name for p in outbox.glob("*.eml")]
    kinds_seen = {kind for kind in ("orders_open", "confirmation", "modified", "closing_reminder", "producer_orders",
                                    "closing_summary", "pickup_reminder", "late_change", "final_amounts",
                                    "producer_recap", "coordinator_recap")
                  if any(f"_{kind}_" in name for name in names)}
    assert kinds_seen == {"orders_open", "confirmation", "modified", "closing_reminder", "producer_orders",
                          "closing_summary", "pickup_reminder", "late_change", "final_amounts",
                          "producer_recap", "coordinator_recap"}, names[:5]
    assert (outbox / "index.html").exists()
    assert (tmp_path / "demo" / "listes" / "2026-12" / "emargement-2026-12.pdf").exists()
    assert "clôture" in out and "Où regarder" in out
    # the demo's addresses are fictional on purpose: no warning about example values, no email about them
    assert "30/11 08:00  ouverture des commandes — Ouverture des commandes (" in plain(out)
    assert "1 erreur, 3 avertissements dans la vente 2026-12" in plain(out)


def test_a_second_demo_in_the_same_folder_starts_afresh_and_other_folders_are_refused(tmp_path):
    from sync.commands import demo as demo_command
    from sync.errors import UsageError

    folder = tmp_path / "demo"
    demo_command.prepare(folder)
    (folder / "paniers.xlsx").write_bytes(b"old")
    (folder / "outbox").mkdir()
    (folder / "outbox" / "old.eml").write_text("x")
    demo_command.prepare(folder)
    assert not (folder / "paniers.xlsx").exists() and not (folder / "outbox").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "config.toml").write_text("[group]\nname = 'Mon groupe'\n", encoding="utf-8")
    with pytest.raises(UsageError, match="autre dossier"):
        demo_command.prepare(mine)
    assert (mine / "config.toml").exists()
