"""The bytes of an email as it leaves: the one serialiser of the tool.

``render(email, now, eightbit)`` writes the RFC 5322 message for an ``Email`` directly (CRLF line endings,
every line at most 998 octets, headers at most 78 characters a line), in the structure ``message.py``
describes: ``multipart/alternative`` (text then HTML), the HTML inside ``multipart/related`` when it shows
images by ``cid:``, all of it inside ``multipart/mixed`` when there are attachments.

Everything else reads these bytes: the SMTP mailer sends them, the outbox and the preview write them to
``.eml`` files, and ``message.build()`` parses them back into an ``EmailMessage`` (with ``policy.default``)
for whoever wants to look inside. There is no second serialiser to drift from this one.

Why not the standard library's ``EmailMessage`` serialiser: it costs about 6 ms a message (quoted-printable
in pure Python, headers through the header registry, then a generator walking the tree), several times
what the SMTP exchange of the message costs. Here the bodies go through ``binascii`` (C) and the headers
through a few lines of code:

- bodies: ``7bit`` when the text is ASCII; with ``eightbit`` (the server announced 8BITMIME, as Gmail does)
  ``8bit`` UTF-8 as written; otherwise, or when a line is longer than 998 octets or holds a NUL,
  quoted-printable. Line breaks are normalised to CRLF (a lone CR or LF is a line break, as the standard
  library does). The HTML's lines are joined where a line break only separates two tags (``packed_html``:
  the same page to a browser, a tenth of the lines). Attachments and images in base64.
- headers: what a person may have typed (names, subjects) is already on one line (``one_line()`` removed every
  control character and line break), so no header can be injected; words that are not plain ASCII (or look
  like encoded words, or are too long to fold) are written as RFC 2047 encoded words, UTF-8 ``Q``; display
  names that are not plain words are quoted, or encoded; lines are folded at spaces under 78 characters.
  Non-ASCII file names follow RFC 2231 (``filename*=utf-8''…``), split in continuations when long.
"""

from __future__ import annotations

import hashlib
import re
from binascii import b2a_base64, b2a_qp
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from functools import cached_property
from urllib.parse import quote

from ..values import parse_email
from .message import Email, one_line

CRLF = b"\r\n"
MAX_LINE = 998  # RFC 5322: octets a line, without the CRLF
FOLD = 78  # RFC 5322's advice for header lines

_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")  # RFC 5322 atoms: a display name of them needs no quotes
_HEADER_NAME = re.compile(r"[!-9;-~]+")  # printable ASCII but the colon
_ADDRESS = re.compile(r"[^\s<>()\[\]\\,;:\"@]+@[^\s<>()\[\]\\,;:\"@]+")
_TOKEN = re.compile(r"[!#$%&'*+\-.0-9A-Z^_`a-z|~]+")  # an RFC 2045 token
_PRESERVING_TAG = re.compile(rb"<(?:pre|textarea|listing|xmp|plaintext)")  # searched in the lower-cased HTML
_PRESERVING_STYLE = re.compile(rb"white-space\s*:\s*(?:pre|break-spaces)")
_Q_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")
_Q = [chr(b) if b in _Q_SAFE else "_" if b == 0x20 else f"={b:02X}" for b in range(256)]
_Q_OPEN, _Q_CLOSE = "=?utf-8?q?", "?="
_Q_ROOM = 75 - len(_Q_OPEN) - len(_Q_CLOSE)  # RFC 2047: an encoded word is at most 75 characters


class Outgoing:
    """An email sealed at ``now``: its bytes for a server with or without 8BITMIME, each written once, and
    the standard-library message parsed from them for whoever wants to look inside (tests, the preview)."""

    def __init__(self, email: Email, now: datetime):
        self.email, self.now = email, now
        self._data: dict[bool, bytes] = {}

    def data(self, eightbit: bool = False) -> bytes:
        if eightbit not in self._data:
            self._data[eightbit] = render(self.email, self.now, eightbit)
        return self._data[eightbit]

    @cached_property
    def message(self) -> EmailMessage:
        return parse(self.data())

    def __bytes__(self) -> bytes:
        return self.data()


def parse(data: bytes) -> EmailMessage:
    """The standard library's message for these bytes, with Python's line breaks (\\n) as it keeps them in memory."""
    return BytesParser(policy=policy.default).parsebytes(data.replace(CRLF, b"\n"))


def render(email: Email, now: datetime, eightbit: bool = False) -> bytes:
    """The message as it leaves at ``now`` (aware, in the group's time zone: the ``Date`` shows it)."""
    recipient = parse_email(email.recipient)
    if not recipient.ok:
        raise ValueError(f"adresse de destinataire invalide : {email.recipient!r}")
    headers = [
        _mailbox("From", email.group, _checked(email.sender, "l'expéditeur")),
        _mailbox("To", email.recipient_name, recipient.value),
    ]
    if email.reply_to.strip():
        headers.append("Reply-To: " + _checked(email.reply_to, "l'adresse de réponse"))
    headers += [
        _unstructured("Subject", one_line(email.subject)),
        "Date: " + format_datetime(now),
        "Message-ID: " + email.message_id,
        "Auto-Submitted: auto-generated",  # RFC 3834: no vacation replies to a robot
        _unstructured("X-Paniers-Kind", one_line(email.kind)),
    ]
    for name, value in email.headers:  # from the code (List-Unsubscribe…), still kept on one line each
        name = one_line(name)
        if not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"nom d'en-tête invalide : {name!r}")
        headers.append(_unstructured(name, one_line(value), verbatim=True))
    headers.append("MIME-Version: 1.0")

    seed = hashlib.sha256(email.key.encode("utf-8")).hexdigest()[:24]
    html = _text_part("html", email.html, eightbit)
    if email.images:
        images = [_binary_part(image.mime, image.content, "inline", image.safe_filename, cid=_cid(image.cid))
                  for image in email.images]
        html = _multipart("related", [html, *images], f"{seed}.r", type="text/html")
    body = _multipart("alternative", [_text_part("plain", email.text, eightbit), html], f"{seed}.a")
    if email.attachments:
        files = [_binary_part(a.mime, a.content, "attachment", a.safe_filename) for a in email.attachments]
        body = _multipart("mixed", [body, *files], f"{seed}.m")
    return "\r\n".join(headers).encode("ascii") + CRLF + body


# --- headers ---------------------------------------------------------------------------------------

def _checked(address: str, what: str) -> str:
    """An address the configuration gave (the sender, the coordinator): one bare addr-spec, nothing more."""
    address = address.strip()
    if not _ADDRESS.fullmatch(address) or not (address.isascii() and address.isprintable()):
        raise ValueError(f"adresse invalide pour {what} : {address!r}")
    return address


def _mailbox(header: str, name: str, address: str) -> str:
    """``Header: Name <address>``, the name as atoms, a quoted string or encoded words (never syntax)."""
    name = one_line(name)
    if not name:
        return f"{header}: {address}"
    words = name.split(" ")
    if "=?" in name or len(name) > 60 or not name.isascii() or not name.isprintable():
        tokens = _encoded_words(name)
    elif all(_ATEXT.fullmatch(w) for w in words):
        tokens = words
    else:
        tokens = ['"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"']
    return _fold(header, [*tokens, f"<{address}>"])


def _unstructured(name: str, value: str, verbatim: bool = False) -> str:
    """``Name: value`` folded at spaces; words that are not plain printable ASCII become encoded words, a
    run of them (with the spaces between) as one, so that a reader gives back exactly ``value``.
    ``verbatim``: a structured value from the code (List-Unsubscribe's ``<mailto:…>``): ASCII words stay as they
    are however long (up to the 998 octets of a line)."""
    if not value:
        return name + ": "
    longest = MAX_LINE - len(name) - 2 if verbatim else FOLD - 2
    tokens, run = [], []
    for word in value.split(" "):
        if word.isascii() and word.isprintable() and len(word) <= longest and "=?" not in word:
            if run:
                tokens += _encoded_words(" ".join(run))
                run = []
            tokens.append(word)
        else:
            run.append(word)
    if run:
        tokens += _encoded_words(" ".join(run))
    return _fold(name, tokens)


def _fold(name: str, tokens: list[str]) -> str:
    """``Name: token token…`` folded at the spaces between tokens, a line under 78 characters when they allow."""
    lines, line = [], name + ":"
    for token in tokens:
        if len(line) + 1 + len(token) > FOLD and len(line) > len(name) + 1:
            lines.append(line)
            line = " " + token
        else:
            line += " " + token
    lines.append(line)
    return "\r\n".join(lines)


def _encoded_words(text: str) -> list[str]:
    """RFC 2047 ``=?utf-8?q?…?=`` words of at most 75 characters, never splitting a character."""
    words, current = [], []
    room = _Q_ROOM
    for char in text:
        encoded = "".join(_Q[b] for b in char.encode("utf-8", "replace"))
        if len(encoded) > room and current:
            words.append(_Q_OPEN + "".join(current) + _Q_CLOSE)
            current, room = [], _Q_ROOM
        current.append(encoded)
        room -= len(encoded)
    if current:
        words.append(_Q_OPEN + "".join(current) + _Q_CLOSE)
    return words


def _params(header: str, value: str, params: list[tuple[str, str]]) -> str:
    """``Header: value; name="x"; …`` folded; a parameter that is not printable ASCII in RFC 2231
    (``name*=utf-8''%XX…``), in continuations of at most 60 characters when long."""
    pieces = [value]
    for name, text in params:
        if text.isascii() and text.isprintable() and len(text) <= 900:
            pieces.append(f'{name}="' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
            continue
        encoded = quote(text.encode("utf-8", "replace"), safe="")
        chunks, start = [], 0
        while start < len(encoded):
            end = min(start + 60, len(encoded))
            while "%" in encoded[end - 2:end] and end < len(encoded):  # never cut a %XX in two
                end -= 1
            chunks.append(encoded[start:end])
            start = end
        if len(chunks) == 1:
            pieces.append(f"{name}*=utf-8''{chunks[0]}")
        else:
            pieces += [f"{name}*{i}*=" + ("utf-8''" if i == 0 else "") + chunk for i, chunk in enumerate(chunks)]
    return _fold(header, [piece + ";" for piece in pieces[:-1]] + pieces[-1:])


def _cid(cid: str) -> str:
    cid = one_line(cid).strip("<>")
    if not cid or not cid.isascii() or any(c in cid for c in " <>\\\"") or not cid.isprintable():
        raise ValueError(f"Content-ID invalide : {cid!r}")
    return f"<{cid}>"


def _mime(mime: str, default: str) -> tuple[str, list[tuple[str, str]]]:
    """« text/calendar; method=PUBLISH » → ("text/calendar", [("method", "PUBLISH")]) (from the code)."""
    kind, *extra = (p.strip() for p in mime.split(";"))
    maintype, _, subtype = kind.partition("/")
    if not (_TOKEN.fullmatch(maintype or "x") and _TOKEN.fullmatch(subtype or "x")):
        raise ValueError(f"type MIME invalide : {mime!r}")
    params = [(k.strip(), v.strip().strip('"')) for k, _, v in (p.partition("=") for p in extra) if v]
    if not all(_TOKEN.fullmatch(k) for k, _ in params):
        raise ValueError(f"type MIME invalide : {mime!r}")
    return f"{maintype or default.split('/')[0]}/{subtype or default.split('/')[1]}", params


# --- bodies ----------------------------------------------------------------------------------------

def packed_html(html: bytes) -> bytes:
    """The HTML (lines separated by ``\\n``) with a line break that only separates two tags (``>`` then ``<``)
    turned into a space, lines kept under 998 octets.

    Outside ``<pre>``, ``<textarea>`` and ``white-space: pre…``, a browser shows a line break between two tags
    exactly as a space, so nothing a reader sees changes; an HTML that has any of those is left as it is. What it
    saves is lines: the templates write a tag or two a line (about 130 lines for a confirmation, 12 once joined),
    and a server reads a message line by line (aiosmtpd spends more time on that than on anything else).
    """
    lowered = html.lower()
    if _PRESERVING_TAG.search(lowered) or _PRESERVING_STYLE.search(lowered):
        return html
    lines = html.replace(b">\n<", b"> <").split(b"\n")  # the templates' case, at C speed; then indented lines:
    joined = lines[:1]
    for line in lines[1:]:
        start = line.lstrip(b" \t")
        if start.startswith(b"<") and joined[-1].rstrip(b" \t").endswith(b">"):
            joined[-1] = joined[-1].rstrip(b" \t") + b" " + start
        else:
            joined.append(line)
    if max(map(len, joined)) <= MAX_LINE:
        return b"\n".join(joined)
    short = []
    for line in joined:
        while len(line) > MAX_LINE:  # break again between two tags, as late as the limit allows
            cut = line.rfind(b"> <", 0, MAX_LINE)
            if cut < 0:
                break
            short.append(line[:cut + 1])
            line = line[cut + 2:]
        short.append(line)
    return b"\n".join(short)


def _text_part(subtype: str, text: str, eightbit: bool) -> bytes:
    lines = text.encode("utf-8", "replace").splitlines()  # \n, \r\n and a lone \r: the standard library's breaks
    if subtype == "html" and lines:
        lines = packed_html(b"\n".join(lines)).split(b"\n")
    data = CRLF.join(lines) + CRLF if lines else b""
    plain = max(map(len, lines), default=0) <= MAX_LINE and b"\x00" not in data
    if plain and data.isascii():
        encoding = "7bit"
    elif plain and eightbit:
        encoding = "8bit"
    else:
        encoding = "quoted-printable"
        data = b2a_qp(b"\n".join(lines) + b"\n", istext=True).replace(b"\n", CRLF)  # lines < 77 octets
    return (f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
            f"Content-Transfer-Encoding: {encoding}\r\n\r\n").encode("ascii") + data


def _binary_part(mime: str, content: bytes, disposition: str, filename: str, cid: str = "") -> bytes:
    kind, params = _mime(mime, "application/octet-stream")
    headers = [_params("Content-Type", kind, params), "Content-Transfer-Encoding: base64"]
    if cid:
        headers.append("Content-ID: " + cid)
    headers.append(_params("Content-Disposition", disposition, [("filename", filename)]))
    encoded = b2a_base64(content, newline=False)
    body = CRLF.join(encoded[i:i + 76] for i in range(0, len(encoded), 76)) + CRLF
    return "\r\n".join(headers).encode("utf-8") + CRLF + CRLF + body


def _multipart(subtype: str, parts: list[bytes], seed: str, **params: str) -> bytes:
    """``multipart/<subtype>`` around ``parts`` (each headers, blank line, body), with a boundary none of them holds."""
    boundary, number = f"=_{seed}", 0
    while any(b"--" + boundary.encode("ascii") in part for part in parts):
        number += 1
        boundary = f"=_{seed}.{number}"
    header = _params("Content-Type", f"multipart/{subtype}", [("boundary", boundary), *params.items()])
    delimiter = b"--" + boundary.encode("ascii")
    chunks = [header.encode("ascii"), CRLF, CRLF]
    for part in parts:
        chunks += [delimiter, CRLF, part, CRLF]
    chunks += [delimiter, b"--", CRLF]
    return b"".join(chunks)
