"""The bytes of every email (``sync/mail/message.py``: the standard library's ``email`` package), read back by its
parser: every kind of email, both encodings (8-bit bodies for a server with 8BITMIME, quoted-printable without),
and hostile names, subjects and bodies that must come back exactly as they went, on one header line each."""

from __future__ import annotations

import dataclasses
import re
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mailkit import PARIS, at
from test_mail_compose import all_emails

from sync.mail import kinds
from sync.mail.message import Attachment, Email, InlineImage, Outgoing, as_bytes, build, one_line, parse

NOW = at("2026-12-10 21:00")
EXPECTED_HEADERS = ["From", "To", "Reply-To", "Subject", "Date", "Message-ID", "Auto-Submitted", "X-Paniers-Kind"]


def lines_of(text: str) -> str:
    """A body as a reader gets it back: every line break (LF, CRLF, a lone CR) a \\n, one after the last line."""
    return "".join(line.decode("utf-8") + "\n" for line in text.encode("utf-8").splitlines())


def render(email: Email, now, eightbit: bool = False) -> bytes:
    return as_bytes(build(email, now, eightbit))


def display_name(data: bytes, header: str) -> str:
    """The display name of ``header`` as RFC 2047 reads it: the space between two encoded words is no text
    (6.2). The standard library's newer parser keeps it inside a phrase, a defect of its own (it reads its own
    serialiser's output with that extra space too), so the name is read with its RFC-faithful older API."""
    raw = message_from_bytes(data.replace(b"\r\n", b"\n"), policy=policy.compat32)[header].replace("\n ", " ")
    name, _ = parseaddr(raw)
    return str(make_header(decode_header(name))) if "=?" in name else name


def check_bytes(data: bytes, eightbit: bool) -> None:
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n",
                                                                                                           b"")
    head, _, _ = data.partition(b"\r\n\r\n")
    assert head.isascii()  # headers are always ASCII (RFC 2047, RFC 2231)
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    if not eightbit:
        assert data.isascii()
    assert b"\x00" not in data


def check(email: Email, eightbit: bool, again: bool = True) -> EmailMessage:
    """The message read back says exactly what the email says."""
    data = render(email, NOW, eightbit)
    check_bytes(data, eightbit)
    message = parse(data)
    assert not message.defects and all(not part.defects for part in message.walk())
    names = [name for name in message if name not in ("MIME-Version", "Content-Type")]
    variant = ["X-Paniers-Variant"] if email.variant else []
    assert names == EXPECTED_HEADERS + variant + [name for name, _ in email.headers]  # nothing else, nothing injected
    [sender] = message["From"].addresses
    [to] = message["To"].addresses
    assert (sender.addr_spec, to.addr_spec) == (email.sender, email.recipient)
    assert display_name(data, "From") == one_line(email.group)
    assert display_name(data, "To") == one_line(email.recipient_name)
    assert sender.display_name.replace(" ", "") == one_line(email.group).replace(" ", "")  # see display_name()
    assert message["Reply-To"].addresses[0].addr_spec == email.reply_to
    assert str(message["Subject"]) == one_line(email.subject)
    assert parsedate_to_datetime(str(message["Date"])) == NOW
    assert str(message["Message-ID"]) == email.message_id
    assert str(message["X-Paniers-Kind"]) == email.kind
    assert str(message.get("X-Paniers-Variant", "")) == email.variant
    for name, value in email.headers:
        assert str(message[name]) == one_line(value)

    assert message.get_content_type() == ("multipart/mixed" if email.attachments else "multipart/alternative")
    alternative = message.get_payload()[0] if email.attachments else message
    assert alternative.get_content_type() == "multipart/alternative"
    plain, html = alternative.get_payload()
    assert plain.get_content_type() == "text/plain" and plain.get_content() == (lines_of(email.text) or "\n")
    if email.images:
        assert html.get_content_type() == "multipart/related" and html.get_param("type") == "text/html"
        root, *images = html.get_payload()
        assert [(i["Content-ID"], i.get_payload(decode=True), i.get_content_type(), i.get_filename(),
                 i.get_content_disposition()) for i in images] == [
            (f"<{i.cid}>", i.content, i.mime, i.safe_filename, "inline") for i in email.images]
        html = root
    assert html.get_content_type() == "text/html"
    assert html.get_content() == (lines_of(email.html) or "\n")  # an empty body is one empty line
    for part in (plain, html):
        assert part.get_content_charset() == "utf-8"
        encoding = part["Content-Transfer-Encoding"]
        text = part.get_content()
        if text.isascii() and max(len(line.encode()) for line in text.split("\n")) <= 998 and "\0" not in text:
            assert encoding == "7bit"
        else:
            assert encoding == ("8bit" if eightbit and max(len(x.encode()) for x in text.split("\n")) <= 998
                                and "\0" not in text else "quoted-printable")
    files = [(p.get_filename(), p.get_payload(decode=True), p.get_content_type(), p.get_content_disposition())
             for p in message.iter_attachments()] if email.attachments else []
    assert files == [(a.safe_filename, a.content, a.mime.split(";")[0], "attachment") for a in email.attachments]
    if again:  # the standard library writes it again without complaint (slow on very long headers: seconds)
        bytes(message)
        message.as_bytes(policy=policy.SMTP)
    return message


@pytest.mark.parametrize("eightbit", [False, True], ids=["quoted-printable", "8bit"])
def test_every_kind_of_email_reads_back_exactly(eightbit):
    emails = all_emails()
    assert {e.kind for e in emails} == set(kinds.KINDS)
    shapes = set()
    for email in emails:
        message = check(email, eightbit)
        shapes.add((bool(email.attachments), bool(email.images)))
        if email.images:
            assert message.get_body(("html",)).get_content().count("cid:") >= len(email.images)
    assert shapes >= {(False, False), (True, False), (False, True)}  # alternative, mixed, related were all seen


def test_outgoing_builds_each_form_once_and_reads_back_what_it_sends():
    email = next(e for e in all_emails() if e.attachments)
    outgoing = Outgoing(email, NOW)
    assert outgoing.data() is outgoing.data() and bytes(outgoing) is outgoing.data()
    assert outgoing.data().isascii() and not outgoing.data(eightbit=True).isascii()
    assert outgoing.message.get_body(("plain",)).get_content() == lines_of(email.text)
    assert str(outgoing.message["Message-ID"]) == email.message_id


def test_the_8bit_form_is_what_a_person_wrote_and_much_shorter():
    email = next(e for e in all_emails() if e.kind == "confirmation")
    eight, quoted = render(email, NOW, True), render(email, NOW, False)
    assert b"Content-Transfer-Encoding: 8bit" in eight and b"quoted-printable" not in eight
    assert email.text.encode().replace(b"\n", b"\r\n") in eight
    assert email.html.encode().replace(b"\n", b"\r\n") in eight
    assert eight.count(b"\r\n") < quoted.count(b"\r\n") * 0.8
    assert parse(eight).get_body(("html",)).get_content() == parse(quoted).get_body(("html",)).get_content()


def test_headers_are_folded_and_encoded_only_where_needed():
    confirmation = next(e for e in all_emails() if e.kind == "confirmation")
    for subject, plain in (("Votre commande est bien enregistrée " + "très " * 30 + "(Vente 2026-12)", False),
                           ("Your order " + "is very " * 20 + "(Sale 2026-12)", True)):
        email = dataclasses.replace(confirmation, subject=subject)
        head = render(email, NOW).split(b"\r\n\r\n")[0].decode("ascii")
        if plain:  # plain ASCII is folded at its spaces, never encoded
            assert "Subject: Your order is very" in head and "=?" not in head.partition("Subject")[2]
        else:
            assert "Subject: =?utf-8?" in head and head.count("=?utf-8?") >= 3
        assert max(len(line) for line in head.split("\r\n")) <= 78
        assert str(parse(render(email, NOW))["Subject"]) == email.subject
    assert render(confirmation, NOW).startswith(  # the address on a line of its own when it does not fit
        b"From: =?utf-8?q?Les_Paniers_du_Boischaut_=28d=C3=A9mo=29?=\r\n <paniers@example.org>\r\nTo: ")


def test_list_unsubscribe_is_written_as_is():
    """The one header not left to the standard library's folding: it writes a long value without spaces as RFC 2047
    encoded words (``=?utf-8?q?=3Cmailto=3A…``), and no mail program would find the link in that."""
    email = next(e for e in all_emails() if dict(e.headers).get("List-Unsubscribe"))
    [value] = [v for name, v in email.headers if name == "List-Unsubscribe"]
    assert len(value) > 78 and value.startswith("<mailto:")
    for eightbit in (False, True):
        assert f"\r\nList-Unsubscribe: {value}\r\n".encode() in render(email, NOW, eightbit)
    assert str(build(email, NOW)["List-Unsubscribe"]) == value


def test_the_sale_s_message_keeps_its_line_breaks_without_white_space_pre():
    from mailkit import Order, demo_catalogue, empty_journal, letterhead, make_book, sale

    from sync.mail import compose

    book = make_book(Order("martine.ducloux@example.org", {"PAIN1": 1}))
    [email] = compose.order_updates(letterhead(), demo_catalogue(), sale(message="Pensez aux sacs.\n<b>Merci</b>"),
                                    book, empty_journal())
    assert "Pensez aux sacs.<br>\n&lt;b&gt;Merci&lt;/b&gt;</div>" in email.html and "white-space:pre" not in email.html


def test_a_body_line_too_long_for_smtp_is_quoted_printable_even_with_8bitmime():
    base = all_emails()[0]
    long = dataclasses.replace(base, text="é" * 600 + "\n", html="<p>" + "x" * 2000 + "</p>")  # no tag to cut at
    message = check(long, eightbit=True)
    assert [p["Content-Transfer-Encoding"] for p in message.walk() if not p.is_multipart()] == [
        "quoted-printable", "quoted-printable"]


def test_a_boundary_is_never_inside_a_part():
    base = all_emails()[0]
    boundary = re.search(rb'boundary="([^"]+)"', render(base, NOW, True)).group(1).decode()
    trap = dataclasses.replace(base, text=f"--{boundary}\n--{boundary}.1\nfin\n", html=f"--{boundary}--\n")
    data = render(trap, NOW, True)
    assert f'boundary="{boundary}"'.encode() not in data
    check(trap, eightbit=True)


def test_non_ascii_and_long_file_names_follow_rfc_2231():
    base = next(e for e in all_emails() if e.attachments)
    files = (Attachment("Émargement vente de décembre.pdf", b"%PDF-1", "application/pdf"),
             Attachment("é" * 150 + ".csv", b"a;b\r\n", "text/csv; charset=utf-8"),
             Attachment("x" * 150 + ".bin", bytes(range(256)) * 40))
    email = dataclasses.replace(base, attachments=files,
                                images=(InlineImage("graphe.1@example.org", b"\x89PNG\r\n\x1a\n" * 100,
                                                    filename="Chiffre d'affaires.png"),))
    for eightbit in (False, True):
        message = check(email, eightbit)
        [part] = [p for p in message.walk() if p.get_content_type() == "text/csv"]
        assert part.get_param("charset") == "utf-8"


# --- hostile values, property-based -----------------------------------------------------------------------

anything = st.text(max_size=300)
nasty = st.sampled_from(["", " ", "=?utf-8?q?pirate?=", "=?", '"', "\\", '"\\"', ",", ";", ":", "<a@b.c>",
                         "a@b.c, d@e.f", "\r\nBcc: x@example.org", "\n", "\t", "\x00", "\x1b[31m", "\u2028",
                         "\u202e", "\ud7ff", "\U0001f955", "é" * 200, "x" * 1200, "(", ")", "Jean-Pierre",
                         "O'Brien", "M. Dupont", "_", "?=", "=", ".", "\xa0", "\x85", "\u3000"])
value = st.lists(st.one_of(anything, nasty), min_size=1, max_size=5).map("".join)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(group=value, name=value, subject=value, text=value, html=value, header=value,
       filename=value, eightbit=st.booleans())
def test_hostile_values_come_back_exactly_and_inject_nothing(group, name, subject, text, html, header, filename,
                                                            eightbit):
    base = all_emails()[0]
    email = dataclasses.replace(base, group=group, recipient_name=name, subject=subject, text=text, html=html,
                                headers=(("X-Note", header),),
                                attachments=(Attachment(filename, filename.encode("utf-8", "replace")),))
    message = check(email, eightbit, again=False)
    assert message["Bcc"] is None and message["Cc"] is None
    assert len(message["To"].addresses) == 1


def test_an_invalid_recipient_or_sender_never_reaches_a_header():
    base = all_emails()[0]
    for field, bad in (("recipient", "a@b.c\r\nBcc: x@y.z"), ("recipient", "not-an-address"),
                       ("sender", "paniers@example.org>\r\nBcc: x@y.z"), ("reply_to", "a b@c.d")):
        with pytest.raises(ValueError, match="adresse"):
            render(dataclasses.replace(base, **{field: bad}), NOW)
    with pytest.raises(ValueError, match="en-tête"):
        render(dataclasses.replace(base, headers=(("X-Bad: Bcc", "x"),)), NOW)


def test_the_date_is_the_run_s_moment_in_the_group_s_time_zone():
    message = build(all_emails()[0], at("2026-07-01 08:30"))
    assert str(message["Date"]) == "Wed, 01 Jul 2026 08:30:00 +0200"
    assert parsedate_to_datetime(str(message["Date"])).tzinfo is not None and PARIS is not None


def test_long_french_subjects_and_names_keep_every_space():
    """Python 3.11's own folder loses the space where it breaks a line between two encoded words (« la venteoù »),
    for about one long French subject or name in five: ``message._header`` writes them with ``email.header.Header``,
    which keeps each one. Read back as RFC 2047 reads them (``display_name``), and by the standard parser."""
    import random

    phrase = ("la vente de décembre est ouverte à la ferme des Trois Chênes été crème brûlée Valençay où fête Noël "
              "réutilisables chèques « commande » n°12 : – ( ) \" , ; x@y.z")
    words = [*phrase.split(" "), "é" * 30, "x" * 100]
    rng = random.Random(19)
    base = all_emails()[0]
    for _ in range(150):
        subject, name = (" ".join(rng.choice(words) for _ in range(rng.randint(1, n))) for n in (40, 12))
        for eightbit in (False, True):
            data = render(dataclasses.replace(base, subject=subject, recipient_name=name, group=name), NOW, eightbit)
            check_bytes(data, eightbit)
            assert str(parse(data)["Subject"]) == subject
            assert display_name(data, "To") == display_name(data, "From") == name
            assert parse(data)["To"].addresses[0].addr_spec == base.recipient


def test_a_lone_surrogate_is_written_as_a_question_mark():
    """JSON (a Google sheet's values) can carry half a UTF-16 pair, which UTF-8 cannot write: the email still goes."""
    base = all_emails()[0]
    email = dataclasses.replace(base, subject="Vente \udc80", recipient_name="Ève \ud800", text="a\udfffb",
                                html="<p>\udc00</p>")
    for eightbit in (False, True):
        message = parse(render(email, NOW, eightbit))
        assert str(message["Subject"]) == "Vente ?" and message["To"].addresses[0].display_name == "Ève ?"
        assert message.get_body(("plain",)).get_content() == "a?b\n"
