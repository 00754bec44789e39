"""An email as a value, and the standard-library message built from it.

``Email`` is what the composing functions produce and what the journal, the limits and the
mailers handle: one recipient (no household ever sees another's address), a subject, a real
plain-text body and an HTML body, attachments as bytes from trusted code only, and a key that
says what it is (kind, sale, recipient, fingerprint of what matters in its content).

``build()`` turns it into an ``email.message.EmailMessage``: ``multipart/alternative`` (text then
HTML) inside ``multipart/mixed`` when there are attachments; an email with images shown in its
body (the recaps' charts) has its HTML as ``multipart/related`` (the HTML, then each image with a
``Content-ID`` that the HTML names as ``<img src="cid:…">``: Gmail and most webmail block ``data:``
images, never ``cid:`` ones). So a recap with an attachment is::

    multipart/mixed
      multipart/alternative
        text/plain
        multipart/related (type="text/html")
          text/html
          image/png  (Content-ID, inline)  …one per chart
      application/pdf  (attachment)

UTF-8 headers, ``Date`` in the
group's time zone, a ``Message-ID`` derived from the key (the same email always has the same id,
so a receiving server that dedupes by id will drop an accidental second copy), ``Reply-To`` the
coordinator, ``X-Paniers-Kind`` and ``X-Paniers-Variant`` (kinds.py) and ``List-Unsubscribe`` on announcements
and reminders.

The bytes (``as_bytes``) are the standard library's too (``BytesGenerator``, ``policy.SMTP``): the SMTP
server, the outbox's ``.eml`` files and the preview all get them, and ``Outgoing(email, now)`` is what the
mailers are handed: the email sealed at the run's moment, built when the mailer asks for its bytes. Bodies are
``7bit`` when ASCII; ``8bit`` (the UTF-8 text as written) for a server that announced 8BITMIME (Gmail does) and
for the ``.eml`` files; quoted-printable otherwise, and for any line over SMTP's 998 octets. Headers use RFC 2047
encoded words where they are not plain ASCII, file names RFC 2231. Values a person typed are put on one line
first (``one_line``), so no header can be injected. The one hand-written part is ``_header`` (see why there).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.generator import BytesGenerator
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from functools import cached_property
from io import BytesIO
from urllib.parse import quote

from ..values import parse_email
from .kinds import VARIANT_HEADER

SEPARATOR = ":"  # in keys: kind:sale:recipient:fingerprint (kinds and sale codes never contain it)
UNSUBSCRIBE_SUBJECT = "Me désinscrire des annonces et rappels"

# What goes out: CRLF line endings, headers folded at 78 characters with RFC 2047 encoded words, and the headers
# set with ``set_raw`` written as they are (``_header``)
VERBATIM = policy.SMTP.clone(refold_source="none")
MAX_LINE = 998  # RFC 5321: octets a line, without the CRLF

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_UNSAFE_FILENAME = re.compile(r"[^\w.@+-]+")
_HEADER_NAME = re.compile(r"[!-9;-~]+")  # printable ASCII but the colon
_ADDRESS = re.compile(r"[^\s<>()\[\]\\,;:\"@]+@[^\s<>()\[\]\\,;:\"@]+")
_TOKEN = re.compile(r"[!#$%&'*+\-.0-9A-Z^_`a-z|~]+")  # an RFC 2045 token


@dataclass(frozen=True)
class Attachment:
    """A file joined to an email: built by the tool (a PDF, a spreadsheet, an .ics), never a path."""

    filename: str
    content: bytes
    mime: str = "application/octet-stream"

    @property
    def safe_filename(self) -> str:
        return safe_filename(self.filename) or "piece-jointe"


@dataclass(frozen=True)
class InlineImage:
    """An image shown inside the HTML (``<img src="cid:{cid}">``), drawn by the tool, never read from a path."""

    cid: str  # « chiffre_affaires.3f2a…@example.org »: unique to its email, without the angle brackets
    content: bytes
    mime: str = "image/png"
    filename: str = ""

    @property
    def safe_filename(self) -> str:
        return safe_filename(self.filename) or "image.png"


@dataclass(frozen=True)
class Email:
    kind: str  # one of kinds.KINDS: "confirmation", "orders_open", ...
    sale: str  # the sale code ("" for what belongs to no sale)
    recipient: str  # exactly one address
    subject: str
    text: str
    html: str
    sender: str  # the From address
    group: str  # the From display name: the group's name
    reply_to: str  # the coordinator
    recipient_name: str = ""
    fingerprint: str = ""  # what matters in the content (the order lines, not their rendering)
    attachments: tuple[Attachment, ...] = ()
    headers: tuple[tuple[str, str], ...] = field(default=())  # extra headers, e.g. List-Unsubscribe
    images: tuple[InlineImage, ...] = ()  # shown inside the HTML by ``cid:`` (charts), not the fingerprint
    variant: str = ""  # what this email of its kind says (kinds.py): its X-Paniers-Variant header, not the key

    @property
    def key(self) -> str:
        return make_key(self.kind, self.sale, self.recipient, self.fingerprint)

    @property
    def message_id(self) -> str:
        digest = hashlib.sha256(self.key.encode("utf-8")).hexdigest()[:32]
        domain = self.sender.rpartition("@")[2] or "paniers.invalid"
        return f"<{digest}.paniers@{domain}>"

    def ready(self) -> Email:
        """The email itself (a ``Draft`` is written first)."""
        return self


@dataclass(frozen=True)
class Draft:
    """An email known by its key but not written yet: ``ready()`` renders it, once.

    The schedule may find thousands of emails due (an announcement to every subscriber, a
    confirmation to every household of a big sale) while the sending limits let only a hundred go
    in this run; rendering the others would cost minutes for nothing. So the schedule hands out
    drafts, the limits pick by key and kind, and only what is sent (or previewed) is written.
    """

    kind: str
    sale: str
    recipient: str
    fingerprint: str
    write: Callable[[], Email] = field(compare=False, repr=False)
    variant: str = ""  # the written email's (kinds.py): known without writing it, for the run's report

    @property
    def key(self) -> str:
        return make_key(self.kind, self.sale, self.recipient, self.fingerprint)

    def ready(self) -> Email:
        return self._written

    def __getattr__(self, name: str):
        """Anything else (subject, text, html, attachments…) is the written email's: asking for it writes it."""
        if name.startswith("_") or name not in _EMAIL_FIELDS:
            raise AttributeError(name)
        return getattr(self.ready(), name)

    @cached_property
    def _written(self) -> Email:
        email = self.write()
        if email.key != self.key:  # a draft that promises one email and writes another is a bug
            raise ValueError(f"brouillon {self.key!r} rédigé en {email.key!r}")
        return email


_EMAIL_FIELDS = frozenset(name for name in dir(Email) if not name.startswith("_")) | frozenset(
    Email.__dataclass_fields__)


def make_key(kind: str, sale: str, recipient: str, fingerprint: str) -> str:
    return SEPARATOR.join((kind, sale, recipient.strip().lower(), fingerprint))


def split_key(key: str) -> tuple[str, str, str, str] | None:
    """(kind, sale, recipient, fingerprint) back from a key, or None for a key this tool did not write."""
    parts = key.strip().split(SEPARATOR, 2)
    if len(parts) != 3:
        return None
    kind, sale, rest = parts
    recipient, sep, fingerprint = rest.rpartition(SEPARATOR)
    if not sep or not recipient:
        return None
    return kind, sale, recipient, fingerprint


_SPACES = re.compile(r"[^\S\u00a0\u202f\u2009]+")


def one_line(text: str) -> str:
    """A header value from text that may hold anything a person typed: no line breaks, no controls. The no-break
    spaces of French typography (sync/french.py: « commander\u202f: ») are kept, every other run of spaces is one."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", str(text))).strip()


def person(name: str, address: str) -> str:
    """« Martine Ducloux <martine.ducloux@example.org> », or the address alone: a recipient as the run's report and
    the outbox and preview indexes show it (the name on one line, its spaces single)."""
    name = " ".join(one_line(name).split())
    return f"{name} <{address}>" if name else address


def safe_filename(name: str) -> str:
    """A file name that cannot climb out of a folder nor hide: letters, digits, . @ + - _ only."""
    cleaned = _UNSAFE_FILENAME.sub("_", one_line(name)).strip("._")
    return cleaned[:150]


def unsubscribe_header(coordinator: str) -> str:
    return f"<mailto:{coordinator}?subject={quote(UNSUBSCRIBE_SUBJECT)}>"


def build(email: Email, now: datetime, eightbit: bool = False) -> EmailMessage:
    """The standard library's message for ``email`` as it leaves at ``now`` (aware, in the group's time zone: the
    ``Date`` shows it). ``eightbit``: bodies as the UTF-8 text they are (``8bit``), for a server that announced
    8BITMIME (Gmail does) and for the outbox's files; otherwise quoted-printable, ASCII from end to end."""
    recipient = parse_email(email.recipient)
    if not recipient.ok:
        raise ValueError(f"adresse de destinataire invalide : {email.recipient!r}")
    message = EmailMessage(policy=policy.default)  # \n in memory (as the parser gives it); as_bytes() writes CRLF
    _header(message, "From", email.group, _checked(email.sender, "l'expéditeur"))
    _header(message, "To", email.recipient_name, recipient.value)
    if email.reply_to.strip():
        message["Reply-To"] = _checked(email.reply_to, "l'adresse de réponse")
    _header(message, "Subject", email.subject)
    message["Date"] = now
    message["Message-ID"] = email.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    _header(message, "X-Paniers-Kind", email.kind)
    if email.variant:  # what it says, when its kind says different things: the outbox index reads it back
        _header(message, VARIANT_HEADER, email.variant)
    for name, value in email.headers:  # from the code (List-Unsubscribe…), still kept on one line each
        name = one_line(name)
        if not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"nom d'en-tête invalide : {name!r}")
        _header(message, name, value, verbatim=True)
    text, html = _utf8(email.text), _utf8(email.html)
    message.set_content(text, cte=_encoding(text, eightbit))
    message.add_alternative(html, subtype="html", cte=_encoding(html, eightbit))
    if email.images:
        html = message.get_payload()[1]
        for image in email.images:
            maintype, subtype, params = _mime(image.mime)
            html.add_related(image.content, maintype, subtype, cid=_cid(image.cid), disposition="inline",
                             filename=image.safe_filename, params=params)
        html.set_param("type", "text/html")
    for attachment in email.attachments:
        maintype, subtype, params = _mime(attachment.mime)
        message.add_attachment(attachment.content, maintype, subtype, filename=attachment.safe_filename,
                               params=params)
    return message


def as_bytes(message: EmailMessage) -> bytes:
    """The message as it goes on the wire and into an ``.eml`` file: CRLF line endings, headers folded at 78
    characters with RFC 2047 encoded words where they are not plain ASCII, 8-bit bodies as they are."""
    buffer = BytesIO()
    BytesGenerator(buffer, policy=VERBATIM).flatten(message)
    return buffer.getvalue()


def parse(data: bytes) -> EmailMessage:
    """The standard library's message read back from bytes (\\n line breaks, as it keeps them in memory)."""
    return BytesParser(policy=policy.default).parsebytes(data.replace(b"\r\n", b"\n"))


class Outgoing:
    """An email sealed at the run's moment: its bytes for a server with or without 8BITMIME, each built once
    when the mailer asks for them, and the message read back from them for whoever wants to look inside."""

    def __init__(self, email: Email, now: datetime):
        self.email, self.now = email, now
        self._data: dict[bool, bytes] = {}

    def data(self, eightbit: bool = False) -> bytes:
        if eightbit not in self._data:
            self._data[eightbit] = as_bytes(build(self.email, self.now, eightbit))
        return self._data[eightbit]

    @cached_property
    def message(self) -> EmailMessage:
        return parse(self.data())

    def __bytes__(self) -> bytes:
        return self.data()


def _header(message: EmailMessage, name: str, text: str, address: str | None = None, verbatim: bool = False) -> None:
    """``name: text`` (``name: text <address>`` with an address), on one line whatever a person typed.

    The standard library writes it unless it would be wrong, and these few lines are the mail layer's only
    hand-written serialising (``tests/test_mail_wire.py`` shows each case):

    - text that is not plain ASCII: Python 3.11's folder drops the space where it breaks a line between two
      RFC 2047 encoded words, so that every mail program reads « la vente où » as « la venteoù » (one long French
      subject or name in five). The standard library's older encoder (``email.header.Header``) keeps every space;
    - text holding ``=?`` (it would be read as an encoded word: « =?utf-8?q?x?= » read as « x ») or a word too long
      to fold (the standard library writes a display name of 1 200 letters on one line, over SMTP's 998
      octets): the same encoder;
    - ``verbatim`` (a value from the code: List-Unsubscribe's ``<mailto:…?subject=…>``): as it is, on one line,
      where the standard library would fold a long value without spaces into encoded words, in which no mail
      program finds a link (written by ``VERBATIM``).
    """
    text = _utf8(one_line(text))
    if text.isascii() and "=?" not in text:
        if verbatim and len(name) + len(text) < 900:
            message.set_raw(name, text)
            return
        if all(len(word) <= 70 for word in text.split(" ")):
            message[name] = Address(text, addr_spec=address) if address is not None else text
            return
    encoded = Header(text, "utf-8", header_name=name).encode(linesep="\n")
    if address is not None:
        last = encoded.rpartition("\n")[2]
        width = len(last) + (0 if "\n" in encoded else len(name) + 2)
        encoded += (" " if width + len(address) + 3 <= 78 else "\n ") + f"<{address}>"
    message.set_raw(name, encoded)


def _utf8(text: str) -> str:
    """The text with what UTF-8 cannot write (a lone surrogate, which JSON can carry) as « ? »."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _encoding(text: str, eightbit: bool) -> str:
    """``7bit`` for ASCII, ``8bit`` when the server takes it, else quoted-printable; quoted-printable too for a line
    longer than SMTP's 998 octets or a NUL, which no 7bit or 8bit body may hold (RFC 2045 2.7-2.8)."""
    data = text.encode("utf-8")
    plain = b"\x00" not in data and max(map(len, data.splitlines()), default=0) <= MAX_LINE
    if plain and data.isascii():
        return "7bit"
    return "8bit" if plain and eightbit else "quoted-printable"


def _checked(address: str, what: str) -> str:
    """An address the configuration gave (the sender, the coordinator): one bare addr-spec, nothing more."""
    address = address.strip()
    if not _ADDRESS.fullmatch(address) or not (address.isascii() and address.isprintable()):
        raise ValueError(f"adresse invalide pour {what} : {address!r}")
    return address


def _cid(cid: str) -> str:
    cid = one_line(cid).strip("<>")
    if not cid or not cid.isascii() or any(c in cid for c in " <>\\\"") or not cid.isprintable():
        raise ValueError(f"Content-ID invalide : {cid!r}")
    return f"<{cid}>"


def _mime(mime: str) -> tuple[str, str, dict[str, str]]:
    """« text/calendar; method=PUBLISH » → ("text", "calendar", {"method": "PUBLISH"}) (from the code)."""
    kind, *extra = (p.strip() for p in mime.split(";"))
    maintype, _, subtype = kind.partition("/")
    params = {k.strip(): v.strip().strip('"') for k, _, v in (p.partition("=") for p in extra) if v}
    if not all(_TOKEN.fullmatch(t) for t in (maintype, subtype, *params)):
        raise ValueError(f"type MIME invalide : {mime!r}")
    return maintype, subtype, params
