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
coordinator and ``List-Unsubscribe`` on announcements and reminders.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from functools import cached_property
from urllib.parse import quote

SEPARATOR = ":"  # in keys: kind:sale:recipient:fingerprint (kinds and sale codes never contain it)
UNSUBSCRIBE_SUBJECT = "Me désinscrire des annonces et rappels"

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_UNSAFE_FILENAME = re.compile(r"[^\w.@+-]+")


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


def safe_filename(name: str) -> str:
    """A file name that cannot climb out of a folder nor hide: letters, digits, . @ + - _ only."""
    cleaned = _UNSAFE_FILENAME.sub("_", one_line(name)).strip("._")
    return cleaned[:150]


def unsubscribe_header(coordinator: str) -> str:
    return f"<mailto:{coordinator}?subject={quote(UNSUBSCRIBE_SUBJECT)}>"


def build(email: Email, now: datetime) -> EmailMessage:
    """The message as it leaves (``now`` aware, in the group's time zone: the ``Date`` shows it), parsed back
    from the very bytes ``wire.render`` writes for the outbox and the SMTP server: one serialiser, not two."""
    from .wire import parse, render

    return parse(render(email, now))
