"""Every email, rendered from demo-like data with StrictUndefined: French, escaped, complete."""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from pathlib import Path

import pytest
from mailkit import PARIS, Order, at, demo_catalogue, empty_journal, letterhead, make_book, recap_history, sale
from plain import plain

from sync import config as config_module
from sync import demo, sheet
from sync import problems as pb
from sync.mail import compose, kinds
from sync.mail.announced import Change, Details
from sync.mail.invitation import escape, fold
from sync.mail.journal import Entry, Journal, order_fingerprint
from sync.mail.message import Attachment, build
from sync.messages import Message, Reader
from sync.orderbook import CANCELLED
from sync.templating import BUILTIN

NOW = at("2026-12-10 21:00")


def december_book():
    return make_book(
        Order("martine.ducloux@example.org", {"PAIN1": 2, "VIA1": 1, "OEU1": 1, "CHV3": (2, 1)},
              comment="Je passerai vers 18 h 30, merci !"),
        Order("jerome.pelletier@example.net", {"LEG1": 1, "VIA2": (1, 0), "MIE2": 1}, first_name="Jérôme",
              last_name="Pelletier", at="2026-12-02 10:00", history=[("2026-11-30 09:00", {"LEG1": 2, "POM1": 1})]),
        Order("sophie.renaudin@example.com", {}, first_name="Sophie", last_name="Renaudin", status=CANCELLED,
              at="2026-12-03 10:00", history=[("2026-12-01 10:00", {"PAIN2": 1})]),
        Order("claire.moreau@example.net", {"PAIN1": 1, "VIA4": 1}, first_name="Claire", last_name="Moreau-Lefèvre",
              at="2026-12-10 21:16", history=[("2026-12-05 10:00", {"PAIN1": 1, "VIA4": 1, "CHV1": 2})],
              weights={"VIA4": Decimal("1.95")}),
    )


@functools.cache
def all_emails() -> tuple:
    """One email of every kind, as the schedule would ask for them."""
    lh, cat, dec, book = letterhead(), demo_catalogue(), sale(), december_book()
    told = Journal([Entry("confirmation:2026-12:jerome.pelletier@example.net:00000000.0000", NOW, "2026-12",
                          "confirmation", "jerome.pelletier@example.net"),
                    Entry("confirmation:2026-12:sophie.renaudin@example.com:00000000.0000", NOW, "2026-12",
                          "confirmation", "sophie.renaudin@example.com")], None, PARIS)
    emails = [
        compose.orders_open(lh, cat, dec, compose.Recipient("chloe.besson@example.org", "Chloé", "Chloé Besson")),
        compose.closing_reminder(lh, cat, dec, compose.Recipient("kevin.marchand@example.org", "", "")),
        *compose.order_updates(lh, cat, dec, book, told),
        *compose.pickup_reminders(lh, cat, dec, book, NOW),
        *compose.final_amounts_all(lh, cat, dec, book),
        *compose.producer_order_lists(lh, cat, dec, book,
                                      {"FOUR": [Attachment("FOUR.pdf", b"%PDF", "application/pdf")]})[0],
        *compose.late_change_emails(lh, cat, dec, book)[0],
        compose.closing_summary(lh, cat, dec, book, [Attachment("emargement.pdf", b"%PDF", "application/pdf")],
                                [pb.error("Produits", 4, "Prix", "prix illisible", "4,5O €", "2026-12")]),
        compose.anomalies_digest(lh, [pb.error("Produits", 4, "Prix", "prix illisible", "4,5O €"),
                                      pb.warning("Clients", 7, "Email", "adresse en double", "x@example.org")]),
    ]
    cut_book = make_book(Order("martine.ducloux@example.org", {"PAIN1": 2, "CHV3": (2, 1)}))
    told_full = Journal([Entry(f"confirmation:2026-12:martine.ducloux@example.org:"
                               f"{order_fingerprint(cut_book.lines)[:8]}.ffff",
                               NOW, "2026-12", "confirmation", "martine.ducloux@example.org")], None, PARIS)
    emails += compose.order_updates(lh, cat, dec, cut_book, told_full)
    message = Message(2, at("2026-12-05 09:00"), "vente", "2026-12", "Dégustation à la distribution",
                      "Bonjour à tous,\n\nDégustation de fromages : https://example.org/degustation.")
    emails.append(compose.group_message(lh, message, Reader("martine.ducloux@example.org", "Martine", "", "vente"),
                                        dec))
    before = Details(dec["distribution"], dec["distribution_end"], "Salle des fêtes")
    change = Change(before, Details.of(dec), NOW, 1)
    emails.append(compose.change_email(lh, dec, change, Reader("martine.ducloux@example.org", "Martine", "", "vente"),
                                       True, NOW))
    _, _, history = recap_history()
    emails += [compose.producer_recap(lh, history, "2026-11", "FOUR"),
               compose.coordinator_recap(lh, history, "2026-11")]
    return tuple(emails)


def test_every_kind_renders_with_strict_undefined_and_reads_as_french():
    emails = all_emails()
    assert {e.kind for e in emails} == set(kinds.KINDS)
    for email in emails:
        assert email.subject and "\n" not in email.subject
        assert email.html.lstrip().startswith("<!doctype html>")
        for body in (email.text, email.html):
            assert not re.search(r"\b(None|nan|NaT|True|False)\b", body), (email.kind, body)
            assert "{{" not in body and "{%" not in body
        assert "À bientôt" in email.text or "Message automatique" in email.text
        build(email, NOW)  # a valid message


def test_every_kind_has_both_templates_and_nothing_else_is_there():
    found = {p.relative_to(BUILTIN / "emails").as_posix() for p in (BUILTIN / "emails").rglob("*.j2")}
    expected = {f"{k.audience}/{k.template}.{ext}.j2" for k in kinds.KINDS.values() for ext in ("html", "txt")}
    shared = {"base.html.j2", "base.txt.j2", "_macros.html.j2", "_macros.txt.j2"}
    assert found == expected | shared


def test_html_is_self_contained_and_narrow():
    for email in all_emails():
        html = email.html
        assert "max-width:600px" in html
        assert 'name="viewport"' in html
        assert not re.search(r"<(script|link|style|iframe)\b", html, re.IGNORECASE)
        assert not re.search(r"(src|url)\s*[=(]\s*[\"']?(https?|data):", html, re.IGNORECASE)
        # images only as parts of the message itself (cid:), each one joined
        sources = re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", html, re.IGNORECASE)
        assert len(sources) == len(re.findall(r"<img\b", html, re.IGNORECASE))
        assert sorted(sources) == sorted(f"cid:{image.cid}" for image in email.images)


def test_the_confirmation_says_what_to_pay_each_producer_and_how():
    lh, cat, dec = letterhead(), demo_catalogue(), sale()
    book = make_book(Order("martine.ducloux@example.org", {"PAIN1": 2, "VIA1": 1, "OEU1": 1, "CHV3": (2, 1)}))
    [email] = compose.order_updates(lh, cat, dec, book, empty_journal())
    assert email.kind == "confirmation" and email.recipient == "martine.ducloux@example.org"
    text = plain(email.text)
    assert "Bonjour Martine," in text
    assert "À payer au Fournil des Vignes : 9,00 €" in text
    assert "Chèque à l'ordre de « Le Fournil des Vignes »" in text
    assert "À payer à Ferme des Trois Chênes : ≈ 19,80 €" in text  # a roast sold by weight: an estimate
    assert "Paiement : chèque. Chèque à l'ordre de « SCEA des Trois Chênes »" in text
    assert "Paiement : espèces, chèque. Chèque à l'ordre de « Camille Berthaud »" in text
    assert "16,50 € le kg · environ 1,2 kg" in text
    assert "prévoyez 4 chèques" in text
    assert "(vous en aviez demandé 2 : stock épuisé)" in text
    assert "TOTAL : ≈ 40,00 €, en 4 paiements" in text
    assert "vendredi 11 décembre 2026, de 17 h à 19 h" in text
    assert "Salle des fêtes, 2 rue des Tilleuls, 36600 Valençay" in text
    assert "Pensez à apporter vos sacs" in text  # the sale's message
    assert "jeudi 10 décembre 2026 à 20 h" in text
    html = plain(email.html)
    assert "À payer au Fournil des Vignes : 9,00 €" in html


def test_a_producer_who_takes_only_cash_gets_no_cheque_line():
    lh, cat, dec = letterhead(), demo_catalogue(), sale()
    book = make_book(Order("martine.ducloux@example.org", {"POM1": 2}))
    [email] = compose.order_updates(lh, cat, dec, book, empty_journal())
    assert "Paiement : espèces." in plain(email.text) and "Chèque" not in email.text and "prévoyez" not in email.text


def test_the_modified_email_says_what_changed():
    lh, cat, dec = letterhead(), demo_catalogue(), sale()
    book = make_book(Order("jerome.pelletier@example.net", {"LEG1": 1, "MIE2": 1}, first_name="Jérôme",
                           at="2026-12-02 10:00", history=[("2026-11-30 09:00", {"LEG1": 2, "POM1": 1})]))
    first = make_book(Order("jerome.pelletier@example.net", {"LEG1": 2, "POM1": 1}, at="2026-11-30 09:00"))
    [confirmation] = compose.order_updates(lh, cat, dec, first, empty_journal())
    journal = Journal([Entry.of(confirmation, NOW)], None, PARIS)
    [email] = compose.order_updates(lh, cat, dec, book, journal)
    assert email.kind == "modified"
    text = plain(email.text)
    assert "Panier de légumes le panier (4 kg environ) : 2 → 1" in text
    assert "Jus de pomme 1 L : retiré (vous en aviez demandé 1)" in text
    assert "Miel d'acacia pot de 500 g : ajouté (1)" in text
    assert "VOTRE COMMANDE, À JOUR" in text


def test_people_values_are_text_never_markup_nor_attachments():
    lh, cat = letterhead(), demo_catalogue()
    dec = sale(message="<b>Gras</b> & <a href='javascript:alert(1)'>lien</a>", place="/etc/passwd")
    book = make_book(
        Order("evil@example.org", {"PAIN1": 1}, first_name="<script>alert(1)</script>", last_name="/etc/passwd",
              comment="<img src=x onerror=alert(2)>\r\nBcc: everyone@example.org"),
    )
    emails = [*compose.order_updates(lh, cat, dec, book, empty_journal()),
              *compose.pickup_reminders(lh, cat, dec, book, NOW),
              *compose.producer_order_lists(lh, cat, dec, book)[0]]
    for email in emails:
        assert "<script>" not in email.html and "<img" not in email.html and "<b>Gras" not in email.html
        assert "javascript:" not in email.html.replace("javascript:alert(1)&#39;", "")
        message = build(email, NOW)
        names = [part.get_filename() for part in message.iter_attachments()]
        assert "passwd" not in " ".join(n for n in names if n)
        assert all(n.endswith(".ics") for n in names)  # only what the tool made
        assert message["Bcc"] is None
    confirmation = emails[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in confirmation.html
    assert "Bonjour <script>alert(1)</script>," in confirmation.text  # text is text: shown as typed
    header = build(confirmation, NOW)["To"]
    assert header.addresses[0].addr_spec == "evil@example.org"
    # a late change names the household in the subject: still one header line
    late = make_book(Order("evil@example.org", {"PAIN1": 2}, first_name="Eve\r\nBcc: x@example.org",
                           at="2026-12-10 21:00",
                           history=[("2026-12-01 10:00", {"PAIN1": 1})]))
    [email], _ = compose.late_change_emails(lh, cat, dec, late)
    message = build(email, NOW)
    assert message["Bcc"] is None and "\n" not in str(message["Subject"])


def test_the_calendar_invitation_is_a_correct_vevent():
    lh, dec = letterhead(), sale(place="Salle des fêtes; 2, rue des Tilleuls")
    book = make_book(Order("martine.ducloux@example.org", {"PAIN1": 2, "VIA1": 1}))
    email = compose.pickup_reminder(lh, demo_catalogue(), dec, book, "martine.ducloux@example.org", NOW)
    [ics] = email.attachments
    assert ics.filename == "distribution-2026-12.ics" and ics.mime.startswith("text/calendar")
    raw = ics.content
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    unfolded = raw.decode("utf-8").replace("\r\n ", "").split("\r\n")
    assert unfolded[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"] and unfolded[-2:] == ["END:VCALENDAR", ""]
    fields = dict(line.split(":", 1) for line in unfolded if ":" in line)
    assert fields["DTSTART"] == "20261211T160000Z" and fields["DTEND"] == "20261211T180000Z"  # 17 h–19 h in Paris
    assert fields["DTSTAMP"] == "20261210T200000Z"
    assert fields["LOCATION"] == "Salle des fêtes\\; 2\\, rue des Tilleuls"
    assert "Le Fournil des Vignes\u202f: 9\\,00\u00a0€" in fields["DESCRIPTION"]  # typeset (sync/french.py)
    assert "\\n" in fields["DESCRIPTION"]
    other = compose.pickup_reminder(lh, demo_catalogue(), dec, make_book(Order("x@example.org", {"PAIN1": 1})),
                                    "x@example.org", NOW)
    assert re.search(rb"UID:(\S+)", other.attachments[0].content).group(1) == re.search(rb"UID:(\S+)", raw).group(1)
    message = build(email, NOW)
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "text/calendar" and part.get_param("method") == "PUBLISH"


def test_ics_folding_never_splits_a_character():
    line = "DESCRIPTION:" + "é" * 100
    folded = fold(line).encode("utf-8")
    for piece in folded.split(b"\r\n "):
        assert len(piece) <= 75
        piece.decode("utf-8")
    assert escape("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"


def test_the_coordinator_can_override_one_template(tmp_path: Path):
    folder = tmp_path / "mes-modeles" / "emails" / "household"
    folder.mkdir(parents=True)
    (folder / "confirmation.txt.j2").write_text(
        '{% extends "emails/base.txt.j2" %}{% block subject %}Merci {{ first_name }} !{% endblock %}'
        "{% block content %}Total : {{ order.total|money }}{% endblock %}", encoding="utf-8")
    config = config_module.from_dict({"templates": {"folder": "mes-modeles"}}, base_dir=tmp_path)
    lh = compose.Letterhead.from_config(config)
    book = make_book(Order("martine.ducloux@example.org", {"PAIN1": 2}))
    [email] = compose.order_updates(lh, demo_catalogue(), sale(), book, empty_journal())
    assert email.subject == "Merci Martine\u202f!"  # an adapted template is typeset too
    assert email.text.startswith("Total\u202f: 9,00\u00a0€")
    assert "Votre commande est bien enregistrée" in email.html  # the HTML one was not overridden


def test_a_template_with_a_typo_fails_loudly(tmp_path: Path):
    folder = tmp_path / "mes-modeles" / "emails" / "household"
    folder.mkdir(parents=True)
    (folder / "confirmation.txt.j2").write_text(
        '{% extends "emails/base.txt.j2" %}{% block subject %}{{ sale.titre }}{% endblock %}', encoding="utf-8")
    lh = compose.Letterhead.from_config(config_module.from_dict({"templates": {"folder": "mes-modeles"}},
                                                                base_dir=tmp_path))
    book = make_book(Order("martine.ducloux@example.org", {"PAIN1": 2}))
    with pytest.raises(Exception, match="titre"):
        compose.order_updates(lh, demo_catalogue(), sale(), book, empty_journal())


def test_announcements_and_reminders_carry_list_unsubscribe_and_order_emails_do_not():
    for email in all_emails():
        headers = dict(email.headers)
        if kinds.KINDS[email.kind].bulk:
            assert headers["List-Unsubscribe"] == ("<mailto:animation@example.org?subject=Me%20d%C3%A9sinscrire"
                                                   "%20des%20annonces%20et%20rappels>")
        else:
            assert "List-Unsubscribe" not in headers


def test_the_announcement_lists_the_products_of_the_sale_by_producer():
    email = compose.orders_open(letterhead(), demo_catalogue(), sale("2026-NOEL"),
                                compose.Recipient("chloe.besson@example.org", "Chloé"))
    text = plain(email.text)
    assert plain(email.subject).startswith("Vente spéciale de Noël : les commandes sont ouvertes jusqu'au vendredi 18")
    assert "Chapon, la pièce (3 kg environ) : 19,50 € le kg (environ 58,50 € la pièce) (quantité limitée)" in text
    assert "Jus de pomme (ancienne étiquette)" not in text  # inactive
    assert text.index("Brasserie du Nahon") < text.index("Rucher des Bruyères")
    assert "Pain de campagne, 1 kg : 4,50 €" in text


def test_subscribers_and_who_has_not_ordered():
    table = sheet.read_table(demo.build()[sheet.CLIENTS.name], sheet.CLIENTS)
    everyone = compose.subscribers(table)
    addresses = [r.email for r in everyone]
    assert "bernard.chauvin@example.com" not in addresses  # Abonné = non
    assert "chloe.besson@example.org" in addresses
    book = make_book(Order("martine.ducloux@example.org", {"PAIN1": 1}),
                     Order("jerome.pelletier@example.net", {}, status=CANCELLED, history=[("2026-12-01 08:00",
                                                                                         {"PAIN1": 1})]))
    left = [r.email for r in compose.without_order(everyone, book, "2026-12")]
    assert "martine.ducloux@example.org" not in left and "jerome.pelletier@example.net" in left
    assert next(r for r in everyone if r.email == "martine.ducloux@example.org").first_name == "Martine"


def test_producer_list_and_late_change():
    lh, cat, dec, book = letterhead(), demo_catalogue(), sale(), december_book()
    emails, problems = compose.producer_order_lists(lh, cat, dec, book)
    assert not problems
    four = next(e for e in emails if e.recipient == "fournil.des.vignes@example.org")
    text = plain(four.text)
    assert "3 × Pain de campagne 1 kg : 13,50 €" in text
    assert "Martine Ducloux · 06 10 00 00 01" in text
    assert "Commentaire : « Je passerai vers 18 h 30, merci ! »" in text
    late, _ = compose.late_change_emails(lh, cat, dec, book)
    [chev] = [e for e in late if e.recipient == "chevrerie.boischaut@example.org"]
    assert "Claire Moreau-Lefèvre" in chev.subject
    assert "Crottin frais la pièce : retiré (il y en avait 2)" in plain(chev.text)
    assert "Ce foyer n'a plus rien à récupérer chez vous." in chev.text
    # a producer without an address is an anomaly, not a crash
    catalogue = demo_catalogue()
    broken = type(catalogue)(catalogue.producers.copy(), catalogue.products, catalogue.sales)
    broken.producers.loc[broken.producers["code"] == "FOUR", "email"] = ""
    emails, problems = compose.producer_order_lists(lh, broken, dec, book)
    assert "fournil.des.vignes@example.org" not in [e.recipient for e in emails]
    assert problems[0].value == "FOUR" and problems[0].tab == "Producteurs"


def test_final_amounts_use_the_weights():
    lh, cat, dec, book = letterhead(), demo_catalogue(), sale(), december_book()
    email = compose.final_amounts(lh, cat, dec, book, "claire.moreau@example.net")
    text = plain(email.text)
    assert "1,95 kg pesés" in text and "22,42 €" in text and "≈" not in text
    again = compose.final_amounts(lh, cat, dec, book, "claire.moreau@example.net")
    assert again.key == email.key
