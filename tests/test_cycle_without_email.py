"""A whole month with two households without email (phone orders in Saisie manuelle), against a real
SMTP server: they are in every derived tab and printed list, and never written to nor reported."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from conftest import at
from fakes.smtp_server import running
from plain import plain
from pypdf import PdfReader
from test_cycle import COORDINATOR, EXPECTED, group, received, replay, smtp_config

from sync import refresh as refresh_module
from sync import sheet, snapshot
from sync.lists.documents import documents
from sync.stores import Changes

MARIE = "tél. 06 11 11 11 11"  # Marie Dupont, by phone
REMI = "nom : garnier remi"  # Rémi Garnier has no phone either: known by his name


@pytest.fixture
def smtp():
    with running() as (controller, handler):
        yield controller.port, handler


def phone_order(*rows):
    def add(store):
        grid = [list(r) for r in store.tabs[sheet.MANUAL.name]]
        grid += [list(r) for r in rows]
        store.write(Changes(replace={sheet.MANUAL.name: grid}))
    return add


def weigh(store):
    grid = store.tabs["Pesées"]
    header = grid[0]
    for row in grid[1:]:
        row += [""] * (len(header) - len(row))
        kg = {"VIA2": 5.2, "VIA1": 1.3}[row[header.index("Produit")]]
        row[header.index("Poids (kg)")] = kg * int(row[header.index("Quantité")])
    store.write(Changes(replace={"Pesées": grid}))


EVENTS = {
    # the coordinator takes Marie's order by phone, then her change of mind (the number written otherwise)
    at("2026-12-01 11:00"): phone_order(["01/12/2026 10:40", "", "Dupont", "Marie", "06 11 11 11 11", "PAIN1", "1", ""],
                                        ["01/12/2026 10:40", "", "Dupont", "Marie", "", "VIA1", "1", ""]),
    at("2026-12-02 15:00"): phone_order(["02/12/2026 14:30", "", "Dupont", "Marie", "0611111111", "PAIN1", "2", ""],
                                        ["02/12/2026 14:30", "", "Dupont", "Marie", "", "VIA1", "1", ""]),
    # Rémi's order is written on paper at the distribution of the month before and typed in late, with the sale
    at("2026-12-03 21:30"): phone_order(["03/12/2026 21:20", "", "Garnier", "Rémi", "", "OEU1", "2", "2026-12"]),
    at("2026-12-05 09:00"): weigh,
}


def pdf_bytes_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def pdf_text(message) -> str:
    texts = []
    for part in message.iter_attachments():
        if part.get_content_type() == "application/pdf":
            reader = PdfReader(io.BytesIO(part.get_content()))
            texts += [page.extract_text() for page in reader.pages]
    return " ".join(" ".join(texts).replace("\u00a0", " ").replace("\u202f", " ").split())


def test_a_whole_sale_with_two_households_without_email(tmp_path, smtp):
    port, handler = smtp
    store = group()
    replay(store, smtp_config(tmp_path, port), at("2026-12-01 07:00"), at("2026-12-05 12:00"), events=EVENTS)
    got = received(handler)
    got.pop(("anomalies", COORDINATOR), 0)
    # exactly the month's emails without them, and the egg farm told of Rémi's order typed in after closing
    assert got == EXPECTED + Counter({("late_change", "poules.varennes@example.net"): 1})
    assert all("@" in str(a.addr_spec) for m in handler.messages() for a in m["To"].addresses)

    def tab(name):
        grid = store.tabs[name]
        return [dict(zip(grid[0], row, strict=False)) for row in grid[1:]]

    orders = {(r["Email"], r["Produit"]): r for r in tab("Commandes")}
    assert orders[(MARIE, "PAIN1")]["Quantité attribuée"] in (2, "2") and (MARIE, "VIA1") in orders
    assert orders[(MARIE, "PAIN1")]["Statut"] == "modifiée" and orders[(REMI, "OEU1")]["Nom"] == "Rémi Garnier"
    sign_off = {r["Email"]: r for r in tab("Émargement")}
    assert sign_off[MARIE]["Téléphone"] == "0611111111" and REMI in sign_off
    assert {(r["Email"], r["Produit"]) for r in tab("Pesées")} >= {(MARIE, "VIA1")}
    by_producer = {(r["Produit"]): r for r in tab("Par producteur")}
    assert by_producer["OEU1"]["Quantité"] in (3, "3")  # Bruno's dozen and Rémi's two
    clients = tab("Clients")
    assert [(c["Email"], c["Nom"], c["Téléphone"]) for c in clients if c["Nom"] in ("Dupont", "Garnier")] == [
        ("", "Dupont", "06 11 11 11 11"), ("", "Garnier", "")]
    assert not [r for r in tab("Anomalies") if "Dupont" in str(r) or "Garnier" in str(r) or "tél." in str(r)]
    bilan = {r["Vente"]: r for r in tab("Bilan")}
    assert int(bilan["2026-12"]["Foyers"]) == 6  # four households with an address (Denis does not order), two without

    summary = next(m for m in handler.messages() if m["X-Paniers-Kind"] == "closing_summary")
    assert "Dupont Marie" in pdf_text(summary)  # Rémi's order came after closing

    # every document of the sale, printed at the end: both households are in each one that concerns them
    config = smtp_config(tmp_path, port)
    result = refresh_module.refresh(snapshot.read(store, config), config, at("2026-12-05 12:00"))
    printed = {d.filename: d for d in documents(result.book, result.catalogue, "2026-12", config)}
    text = {name: pdf_bytes_text(d.content) for name, d in printed.items() if name.endswith(".pdf")}
    sign_off = next(t for name, t in text.items() if name.startswith("emargement"))
    statements = next(t for name, t in text.items() if name.startswith("recapitulatif"))
    meat = [t for name, t in text.items() if "trois-chenes" in name]
    eggs = [t for name, t in text.items() if "poules" in name]
    assert len(meat) == 2 and len(eggs) == 2, sorted(text)  # each one's list and collection sheet
    for words in (sign_off, statements, *meat):
        assert "Dupont Marie" in words or "Marie Dupont" in words
    for words in (sign_off, statements, *eggs):
        assert "Garnier Rémi" in words or "Rémi Garnier" in words
    meat = next(m for m in handler.messages() if m["X-Paniers-Kind"] == "producer_orders"
                and m["To"].addresses[0].addr_spec == "trois.chenes@example.org")
    assert "Dupont Marie" in pdf_text(meat) and "Dupont" in meat.get_body(("plain",)).get_content()
    recap = next(m for m in handler.messages() if m["X-Paniers-Kind"] == "final_amounts")
    assert "Dupont" not in recap.get_body(("plain",)).get_content()
    late = next(m for m in handler.messages() if m["X-Paniers-Kind"] == "late_change")
    assert "Rémi Garnier a modifié sa commande" in " ".join(late.get_body(("plain",)).get_content().split())


def test_the_demo_has_a_household_without_email(tmp_path, capsys):
    import jobs

    assert jobs.main(["demo", "--out", str(tmp_path / "demo")]) == 0
    out = plain(capsys.readouterr().out)
    assert ("Sans e-mail (commande par téléphone ; aucun e-mail ne lui est envoyé, son récapitulatif est imprimé) : "
            "Odette Marchais") in out
    emails = [p.read_text(encoding="utf-8", errors="replace") for p in (tmp_path / "demo" / "outbox").glob("*.eml")]
    assert not [e for e in emails if "\nTo: " in e and "Odette" in e.split("\nTo: ", 1)[1].split("\n", 1)[0]]
    statements = next((tmp_path / "demo" / "listes" / "2026-12").glob("recapitulatif*.pdf"))
    assert "Odette Marchais" in pdf_bytes_text(statements.read_bytes())
