"""The outbox: each message written as an ``.eml`` file a person can open (double-click opens it in
Thunderbird, Outlook or Apple Mail), named so she finds it (``2026-12_confirmation_martine.ducloux@
example.org.eml``), with an ``index.html`` listing them all. Nothing leaves the machine."""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable, Iterator
from datetime import datetime
from email import policy
from email.parser import BytesParser
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from ..french import plural, typography_html
from ..values import long_datetime
from . import kinds
from .mailer import SENT, Item, Outcome
from .message import Email, one_line, person, safe_filename

INDEX = "index.html"
INDEX_CACHE = ".index.json"  # what write_index read from each .eml, so it reads each file once


def eml_name(email: Email) -> str:
    """« 2026-12_confirmation_martine.ducloux@example.org » (letters, digits, . @ + - _ only)."""
    return safe_filename("_".join(part for part in (email.sale, email.kind, email.recipient) if part)) or "message"


def write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name("." + path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def free_path(folder: Path, stem: str, message_id: str, suffix: str = ".eml") -> Path:
    """``stem.eml``, or ``stem-2.eml``… when a different email already has that name (the same email
    written again keeps its file)."""
    number = 1
    while True:
        path = folder / (f"{stem}{suffix}" if number == 1 else f"{stem}-{number}{suffix}")
        if not path.exists() or _message_id(path) == message_id:
            return path
        number += 1


def _message_id(path: Path) -> str:
    with path.open("rb") as file:
        return str(BytesParser(policy=policy.default).parse(file, headersonly=True).get("Message-ID", ""))


class OutboxMailer:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def send(self, items: Iterable[Item]) -> Iterator[Outcome]:
        self.folder.mkdir(parents=True, exist_ok=True)
        written: dict[str, list[str]] = {}  # the index's columns of each file written now, known without parsing it
        try:
            for email, message in items:
                path = free_path(self.folder, eml_name(email), email.message_id)
                write_atomically(path, message.data(eightbit=True))  # UTF-8 bodies: what mail programs and editors read
                written[path.name] = [format_datetime(message.now), email.kind,
                                      person(email.recipient_name, email.recipient),
                                      one_line(email.subject), email.variant]
                yield Outcome(email, SENT)
        finally:
            if written:
                write_index(self.folder, written=written)

    def describe(self) -> str:
        return f"la boîte d'envoi {self.folder} (fichiers .eml, rien n'est envoyé)"


COLUMNS = 5  # Date, kind, recipient, subject, variant: what the cache keeps of each file, after its size and time


def write_index(folder: Path, title: str = "Boîte d'envoi", written: dict[str, list[str]] | None = None) -> Path:
    """``index.html``: every .eml of the folder, the newest first (as a mailbox shows them), with its date in
    French, what it is (its label: « Commande complète (stock revenu) », from its ``X-Paniers-Kind`` and
    ``X-Paniers-Variant`` headers), to whom and its subject.

    Each file's headers are read once and kept in ``.index.json`` (by name, size and modification time):
    parsing them costs milliseconds a file, and an outbox used for years holds tens of thousands."""
    known = _read_cache(folder / INDEX_CACHE)
    cache: dict[str, list] = {}
    found = []
    for path in sorted(folder.glob("*.eml")):
        stat = path.stat()
        entry = known.get(path.name)
        if written and path.name in written:
            entry = [stat.st_size, stat.st_mtime_ns, *written[path.name]]
        elif not (isinstance(entry, list) and len(entry) == 2 + COLUMNS
                  and entry[:2] == [stat.st_size, stat.st_mtime_ns]):
            with path.open("rb") as file:
                headers = BytesParser(policy=policy.default).parse(file, headersonly=True)
            entry = [stat.st_size, stat.st_mtime_ns, str(headers.get("Date", "")),
                     str(headers.get("X-Paniers-Kind", "")), _recipient(headers),
                     str(headers.get("Subject", "")), str(headers.get(kinds.VARIANT_HEADER, ""))]
        cache[path.name] = entry
        date, kind, to, subject, variant = (str(v) for v in entry[2:])
        found.append((_date(date), path.name, date, kinds.label(kind, variant), to, subject))
    # the newest first; a file without a readable date last
    found.sort(key=lambda row: (row[0] is not None, row[0].timestamp() if row[0] else 0, row[1]), reverse=True)
    rows = []
    for moment, name, date, label, to, subject in found:
        rows.append(
            "<tr>"
            f"<td>{html.escape(long_datetime(moment) if moment else date)}</td>"
            f"<td>{html.escape(label)}</td>"
            f"<td>{html.escape(to)}</td>"
            f"<td><a href=\"{html.escape(name)}\">{html.escape(subject)}</a></td>"
            "</tr>"
        )
    page = typography_html(INDEX_PAGE.format(title=html.escape(title), count=html.escape(plural(len(rows), "message")),
                                             rows="\n".join(rows)))
    index = folder / INDEX
    write_atomically(index, page.encode("utf-8"))
    write_atomically(folder / INDEX_CACHE, json.dumps(cache, ensure_ascii=False).encode("utf-8"))
    return index


def _recipient(headers) -> str:
    """The ``To`` of a parsed .eml as ``person`` shows it (the header as written when it names no address)."""
    to = headers.get("To")
    try:
        addresses = to.addresses if to is not None else ()
    except (AttributeError, IndexError, ValueError):
        addresses = ()
    if len(addresses) == 1:
        return person(addresses[0].display_name or "", addresses[0].addr_spec)
    return str(to or "")


def _date(text: str) -> datetime | None:
    """A ``Date`` header as a moment (in the time zone it was written in: the group's), or None."""
    try:
        moment = parsedate_to_datetime(text) if text else None
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _read_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


INDEX_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;color:#222}}
table{{border-collapse:collapse;width:100%}} th,td{{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #ddd;
vertical-align:top}} th{{background:#f3f0e8}}
</style></head>
<body><h1>{title}</h1>
<p>{count}, du plus récent au plus ancien. Cliquez sur un sujet pour ouvrir le message dans votre logiciel de
messagerie.</p>
<table><thead><tr><th>Date</th><th>Type</th><th>Destinataire</th><th>Sujet</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""
