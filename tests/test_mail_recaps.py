"""The recap emails after the distribution: charts inside the HTML as ``cid:`` images (multipart/related),
what they say, and the schedule that sends each one once per sale and recipient, waiting for the weights."""

from __future__ import annotations

import dataclasses
import functools
import html as html_module
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from conftest import at
from mailkit import letterhead, recap_history
from plain import into, plain

from sync import charts, cycle, figures, lists, sheet, snapshot
from sync import config as config_module
from sync.commands import Context, preview, status, tick
from sync.mail import compose, kinds
from sync.mail.journal import Entry, Journal
from sync.mail.message import Attachment, build
from sync.refresh import refresh

SALE = "2026-11"
DEMO_SALE = "2026-12"  # the demo's December sale: distribution on the 11th, 17:00 to 19:00


def parsed(email):
    """The message as a mail program reads it from the wire."""
    return BytesParser(policy=policy.default).parsebytes(bytes(build(email, at("2026-11-14 09:00"))))


def cids(html: str) -> list[str]:
    return re.findall(r'<img\b[^>]*\bsrc="cid:([^"]+)"', html)


@functools.cache
def recap_emails() -> dict:
    """The recaps of the small history's November sale, drawn once for the tests that only read them."""
    _, _, history = recap_history()
    lh = letterhead()
    return {"FOUR": compose.producer_recap(lh, history, SALE, "FOUR"),
            "VIAN": compose.producer_recap(lh, history, SALE, "VIAN"),
            "group": compose.coordinator_recap(lh, history, SALE)}


# --- the message -------------------------------------------------------------------------------

def test_a_recap_is_text_then_related_html_with_its_charts_and_attachments_outside():
    recap = recap_emails()["group"]
    pdf = Attachment("bilan-2026-11.pdf", b"%PDF-1.4 ...", "application/pdf")
    message = parsed(dataclasses.replace(recap, attachments=(pdf,)))

    assert [part.get_content_type() for part in message.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "multipart/related", "text/html",
        "image/png", "image/png", "application/pdf"]
    alternative = message.get_payload()[0]
    text, related = alternative.get_payload()
    assert text.get_content() == recap.text  # the real text part, first
    assert related.get_param("type") == "text/html"
    html_part, *images = related.get_payload()
    assert message.get_body(preferencelist=("html",)) is html_part  # where a mail program looks for the HTML
    html = html_part.get_content()
    # every image the HTML shows is in the message, every image of the message is shown
    ids = {image["Content-ID"].strip("<>"): image for image in images}
    assert sorted(cids(html)) == sorted(ids) and len(ids) == 2
    for image in images:
        assert image.get_content_disposition() == "inline" and image.get_filename().endswith(".png")
        assert image.get_content().startswith(b"\x89PNG\r\n\x1a\n")
    assert {image.get_content() for image in images} == {chart.content for chart in recap.images}
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "bilan-2026-11.pdf" and attachment.get_content() == b"%PDF-1.4 ..."
    assert "data:" not in html  # Gmail would block it

    alone = parsed(recap)
    assert alone.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alone.get_payload()] == ["text/plain", "multipart/related"]


def test_the_content_ids_are_unique_to_each_email_and_stable():
    four, vian, group = recap_emails()["FOUR"], recap_emails()["VIAN"], recap_emails()["group"]
    every = [image.cid for email in (four, vian, group) for image in email.images]
    assert len(every) == len(set(every)) == 4
    assert all(re.fullmatch(r"[a-z_]+\.[0-9a-f]{16}@example\.org", cid) for cid in every)
    images, _ = compose.recap_images(letterhead(), kinds.PRODUCER_RECAP, SALE, "fournil@example.org",
                                     {"chiffre_affaires": charts.Chart(b"png", 600, 320, "")})
    assert [i.cid for i in images] == [i.cid for i in four.images]  # the same email keeps its ids


def test_the_producers_recap_tells_its_sale_compared_with_last_year():
    email = recap_emails()["FOUR"]
    assert email.kind == "producer_recap" and email.recipient == "fournil@example.org"
    assert plain(email.subject) == "Votre bilan : Vente de novembre (36,00 €)"
    text = plain(email.text)
    assert "Chiffre d'affaires : 36,00 €, +15,50 € (+76 %) sur un an" in text
    assert "Foyers servis : 3, +1 (+50 %) sur un an" in text
    assert "« Vente de novembre » du vendredi 14 novembre 2025, 2 foyers, 20,50 €" in text
    assert "3 × Brioche : 18,00 € (l'an dernier : 0), épuisé en 1 heure et 7 min (4 demandés)" in text
    assert "L'an dernier, vous aviez aussi vendu : Terrine <maison>." in text
    # the chart in words, for the text part
    assert "nov. 2025 : 20,50 € ← la même vente l'an dernier" in text
    assert "nov. 2026 : 36,00 € ← cette vente" in text
    assert "≈" not in text  # nothing of this producer is sold by weight
    html = plain(email.html)
    assert "Terrine &lt;maison&gt;" in html and "<maison>" not in html
    assert "Le Fournil &amp; fils" not in email.text  # text is text
    assert len(email.images) == 1
    [alt] = re.findall(r'<img\b[^>]*\balt="([^"]*)"', email.html)
    assert plain(html_module.unescape(alt)).startswith(
        "Votre chiffre d'affaires : oct. 2025 : 4 € ; nov. 2025 : 20 €")  # for mail programs that block images
    assert 'width="560"' in html and "max-width:560px" in html


def test_the_coordinators_recap_shows_the_whole_group():
    email = recap_emails()["group"]
    assert email.recipient == "animation@example.org"
    text = plain(email.text)
    assert plain(email.subject) == "Récapitulatif : Vente de novembre (3 foyers, 53,00 €)"
    assert "Foyers servis : 3, dont 2 nouveaux et 1 fidèle ; +1 (+50 %) sur un an" in text
    assert "Chiffre d'affaires : ≈ 53,00 €" in text  # the veal is not weighed yet
    assert "Ferme des Trois Chênes : ≈ 17,00 €, 1 foyer (l'an dernier : 17,00 €, stable)" in text
    assert "Le Fournil & fils : 36,00 €, 3 foyers" in text
    assert "Brioche (Le Fournil & fils) : épuisé en 1 heure et 7 min, stock 3, 4 demandés" in text
    assert "Xavier Durand · 06 00 00 00 09 (dernière commande : Vente de décembre)" in text
    # both charts in words
    assert "Foyers par vente (6 dernières ventes)" in text
    assert "nov. 2026 : 3 foyers, dont 2 nouveaux ; 53,00 € ← cette vente" in text
    assert "déc. 2025 : 1 foyer ; 4,50 €" in text
    assert "Le Fournil & fils : 74,50 € en 6 ventes, dont 36,00 € cette fois" in text
    html = email.html
    assert html.index("cid:foyers.") < html.index("Par producteur") < html.index("cid:chiffre_affaires.")
    assert "Le Fournil &amp; fils" in html


def test_the_fingerprint_comes_from_the_figures_not_the_pictures():
    cat, book, history = recap_history()
    lh = letterhead()
    drawn = recap_emails()["FOUR"]
    plain = compose.producer_recap(lh, history, SALE, "FOUR", charts=False)
    assert plain.images == () and drawn.images
    assert plain.key == drawn.key and drawn.fingerprint.startswith(compose.recap_tag("FOUR") + ".")
    assert compose.coordinator_recap(lh, history, SALE, charts=False).key == recap_emails()["group"].key

    more = book.lines[book.lines["product"] == "PAIN"].copy()
    lines = book.lines.copy()
    lines.loc[more.index[-1], ["allocated", "amount"]] = [4, more.iloc[-1]["amount"] + more.iloc[-1]["unit_price"]]
    other = figures.History.build(dataclasses.replace(book, lines=lines), cat, history.now)
    changed = compose.producer_recap(lh, other, SALE, "FOUR", charts=False)
    assert changed.fingerprint != drawn.fingerprint
    assert changed.fingerprint.split(".")[0] == drawn.fingerprint.split(".")[0]  # the same producer


# --- the schedule: once per sale and recipient, waiting for the weights ------------------------

@pytest.fixture
def demo_config(tmp_path: Path):
    return config_module.from_dict({}, base_dir=tmp_path)


@pytest.fixture
def no_pdfs(monkeypatch):
    """The closing lists' PDFs take seconds to draw and are tested elsewhere (tests/test_lists_*.py): here
    the producers' lists go without them, so the replay stays fast."""
    monkeypatch.setattr(lists, "producer_documents", lambda *args, **kwargs: [])
    monkeypatch.setattr(lists, "coordinator_documents", lambda *args, **kwargs: [])


@pytest.fixture
def drawn(monkeypatch) -> list[str]:
    """The title of every chart drawn (the real drawing: only counted)."""
    titles: list[str] = []
    render = charts._render

    def counting(figure, height, scale, alt):
        titles.append(alt.split(" : ")[0])
        return render(figure, height, scale, alt)

    monkeypatch.setattr(charts, "_render", counting)
    return titles


def run_tick(config, store, moment: str):
    out: list[str] = []
    outcome = tick.once(Context(config, store, at(moment), into(out)))
    assert outcome.code == 0, "\n".join(out)
    return outcome, "\n".join(out)


def recaps_of(emails, sale=DEMO_SALE):
    return sorted((e.kind, e.recipient) for e in emails
                  if e.kind in (kinds.PRODUCER_RECAP.name, kinds.COORDINATOR_RECAP.name) and e.sale == sale)


def fill_weights(store, kilos: str = "1,3") -> int:
    grid = store.tabs[sheet.WEIGHINGS.name]
    column = grid[0].index("Poids (kg)")
    for row in grid[1:]:
        row.extend([""] * (column + 1 - len(row)))  # the store trims blank cells at the end of a row
        row[column] = kilos
    return len(grid) - 1


def test_each_recap_goes_once_from_the_end_of_the_distribution(demo_store, demo_config, no_pdfs, drawn):
    config, store = demo_config, demo_store
    sold_by_weight = "trois.chenes@example.org"  # the Ferme des Trois Chênes sells its meat by weight
    sellers = ["brasserie.nahon@example.com", "chevrerie.boischaut@example.org", "fournil.des.vignes@example.org",
               "jardins.fontaine@example.org", "poules.varennes@example.net", "rucher.bruyeres@example.net",
               "vergers.vicq@example.com"]

    outcome, _ = run_tick(config, store, "2026-12-11 12:00")  # the distribution is tonight
    assert recaps_of(outcome.sent) == [] and drawn == []

    outcome, out = run_tick(config, store, "2026-12-11 19:00")  # the distribution has just ended
    assert recaps_of(outcome.sent) == [("producer_recap", address) for address in sellers]
    assert drawn == ["Votre chiffre d'affaires"] * 7  # one chart per recap that goes, nothing else drawn
    assert "les récapitulatifs de Ferme des Trois Chênes et de l'animatrice en attente des pesées" in out
    assert "au plus tard le 13/12 à 19:00" in out

    drawn.clear()
    outcome, out = run_tick(config, store, "2026-12-11 21:00")
    assert recaps_of(outcome.sent) == [] and drawn == []  # what went is never drawn again
    assert "en attente des pesées" in out

    assert fill_weights(store) > 0  # the producer types the weights in Pesées
    outcome, out = run_tick(config, store, "2026-12-12 09:00")
    assert recaps_of(outcome.sent) == [("coordinator_recap", "animation@example.org"),
                                       ("producer_recap", sold_by_weight)]
    assert sorted(drawn) == ["Chiffre d'affaires par producteur", "Foyers par vente", "Votre chiffre d'affaires"]
    assert "en attente des pesées" not in out
    meat = next(e for e in outcome.sent if e.recipient == sold_by_weight and e.kind == "producer_recap")
    assert "≈" not in meat.text  # weighed: exact amounts

    # a weight corrected afterwards changes the figures, but a recap goes once per sale and recipient
    fill_weights(store, "1,45")
    drawn.clear()
    later = []
    for moment in ("2026-12-25 18:59", "2026-12-26 12:00"):
        outcome, _ = run_tick(config, store, moment)
        later += outcome.sent
    assert recaps_of(later) == []
    assert drawn.count("Votre chiffre d'affaires") == 0  # only the Christmas recap below was drawn
    # the Christmas sale (no order in the demo) has its own recap for the coordinator after its distribution
    assert recaps_of(later, "2026-NOEL") == [("coordinator_recap", "animation@example.org")]

    # what went is what a mail program gets: the outbox holds each recap once, charts inside
    files = sorted((config.base_dir / "outbox").glob("2026-12_*recap*.eml"))
    assert len(files) == 9
    for path in files:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        html = message.get_body(preferencelist=("html",)).get_content()
        shown = set(cids(html))
        joined = {part["Content-ID"].strip("<>") for part in message.walk() if part.get_content_type() == "image/png"}
        assert shown == joined and shown
    journal = store.tabs[sheet.JOURNAL.name]
    types = [row[2] for row in journal[1:] if row[1] == DEMO_SALE]
    assert types.count("Récapitulatif du producteur") == 8 and types.count("Récapitulatif du groupe") == 1


def test_recaps_wait_for_the_weights_at_most_recap_wait_hours(demo_store, demo_config):
    config = config_module.from_dict({"schedule": {"recap_wait_hours": 24}}, base_dir=demo_config.base_dir)
    snap = snapshot.read(demo_store, config)
    journal = Journal([], None, config.tz)
    lh = compose.Letterhead.from_config(config)
    sale = None

    def due(moment: str) -> cycle.DueRecaps:
        nonlocal sale
        result = refresh(snap, config, at(moment))
        sale = result.catalogue.sale(DEMO_SALE)
        return cycle.due_recaps(sale, result, journal, lh)

    waiting = due("2026-12-12 18:59")
    assert waiting.waiting == ["Ferme des Trois Chênes", "l'animatrice"] and not waiting.coordinator
    assert "VIAN" not in waiting.producers and len(waiting.producers) == 7
    assert waiting.until == at("2026-12-12 19:00")
    assert "au plus tard le 12/12 à 19:00" in cycle.waiting_note(sale, waiting)
    late = due("2026-12-12 19:00")  # waited long enough: they go with the estimates
    assert late.waiting == [] and late.coordinator and "VIAN" in late.producers
    assert cycle.waiting_note(sale, late) is None

    # a follow-up window shorter than the wait: the recaps still go inside it
    short = config_module.from_dict({"schedule": {"recap_wait_hours": 48, "follow_up_days": 1}})
    assert cycle.wait_until(sale, short.schedule) == at("2026-12-12 07:00")
    assert cycle.wait_until(sale, config_module.from_dict({}).schedule) == at("2026-12-13 19:00")

    # one already sent (to this producer, for this sale) is not due again, whatever its figures
    result = refresh(snap, config, at("2026-12-12 19:00"))
    history_email = compose.producer_recap(lh, result.history, DEMO_SALE,
                                           "FOUR", charts=False)
    sent = Journal([Entry(history_email.key.rsplit(".", 1)[0] + ".0000000000", at("2026-12-11 19:00"), DEMO_SALE,
                          "producer_recap", history_email.recipient)], None, config.tz)
    assert "FOUR" not in cycle.due_recaps(result.catalogue.sale(DEMO_SALE), result, sent, lh).producers


def test_a_producer_without_an_address_is_told_to_the_coordinator(demo_store, demo_config):
    producers = demo_store.tabs[sheet.PRODUCERS.name]
    column = producers[0].index("Email")
    [row] = [r for r in producers[1:] if r[0] == "FOUR"]
    row[column] = "fournil(at)example.org"
    result = refresh(snapshot.read(demo_store, demo_config), demo_config, at("2026-12-11 19:30"))
    due = cycle.due_recaps(result.catalogue.sale(DEMO_SALE), result, Journal([], None, demo_config.tz),
                           compose.Letterhead.from_config(demo_config))
    assert "FOUR" not in due.producers and len(due.producers) == 6
    [problem] = due.problems
    assert problem.tab == "Producteurs" and problem.column == "Email" and problem.value == "FOUR"
    assert "récapitulatif ne peut pas lui être envoyé" in problem.message


def test_status_and_preview_show_the_recaps_without_sending(demo_store, demo_config, drawn):
    out: list[str] = []
    status.run(Context(demo_config, demo_store, at("2026-12-11 12:00"), into(out)))
    text = "\n".join(out)
    assert "vendredi 11 décembre 2026 à 19 h : récapitulatifs aux producteurs et à l'animatrice" in text
    out.clear()
    status.run(Context(demo_config, demo_store, at("2026-12-11 19:30"), into(out)))
    assert "Récapitulatif du producteur (7)" in "\n".join(out)
    assert "en attente des pesées" in "\n".join(out)
    assert drawn == []  # status counts what would go: no chart drawn

    out.clear()
    assert preview.run(Context(demo_config, demo_store, at("2026-12-11 19:30"), into(out))) == 0
    folder = demo_config.base_dir / "apercu"
    [page] = sorted(folder.glob("*_2026-12_producer_recap_fournil.des.vignes@example.org.html"))
    html = page.read_text(encoding="utf-8")
    [source] = re.findall(r'<img\b[^>]*\bsrc="([^"]+)"', html)
    assert not source.startswith("cid:") and (folder / source).read_bytes().startswith(b"\x89PNG")
    assert sheet.JOURNAL.name not in demo_store.tabs or len(demo_store.tabs[sheet.JOURNAL.name]) <= 1


def test_households_gone_longer_are_only_counted():
    from sync import recaps

    _, _, history = recap_history()
    lh = letterhead()
    base = recaps.group(history, SALE, with_charts=False).context
    xavier = base["lapsed"][0]
    older = {**xavier, "name": "Odile Ancienne", "missed": 5, "new": False}
    extra = {"images": {}, "estimated": False, "estimated_producers": set(), "turnover_words": [],
             "first_name": ""}
    both = {**base, **extra, "lapsed": [xavier, older], "lapsed_new": [xavier], "lapsed_older": 3}
    _, text, page = compose.render(lh, kinds.COORDINATOR_RECAP, both)
    assert "Xavier Durand" in text and "Odile" not in text and "Odile" not in page
    assert "En tout, 5 foyers sont dans l'onglet « Foyers à recontacter »." in plain(text)
    alone = {**base, **extra, "lapsed": [older], "lapsed_new": [], "lapsed_older": 0}
    _, text, page = compose.render(lh, kinds.COORDINATOR_RECAP, alone)
    assert "FOYERS À RECONTACTER" not in text
    assert ("1 foyer est dans l'onglet « Foyers à recontacter » (aucun nouveau depuis la dernière vente)."
            in plain(text))
    assert "aucun nouveau depuis la dernière vente" in page
