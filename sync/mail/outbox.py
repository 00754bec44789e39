"""The outbox: each message written as an ``.eml`` file a person can open (double-click opens it in
Thunderbird, Outlook or Apple Mail), named so she finds it (``2026-12_confirmation_martine.ducloux@
example.org.eml``), with an ``index.html`` listing them all. Nothing leaves the machine."""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Iterator
from email import policy
from email.parser import BytesParser
from pathlib import Path

from . import kinds
from .mailer import SENT, Item, Outcome
from .message import Email, safe_filename

INDEX = "index.html"


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
        wrote = False
        try:
            for email, message in items:
                path = free_path(self.folder, eml_name(email), email.message_id)
                write_atomically(path, bytes(message))
                wrote = True
                yield Outcome(email, SENT)
        finally:
            if wrote:
                write_index(self.folder)

    def describe(self) -> str:
        return f"la boîte d'envoi {self.folder} (fichiers .eml, rien n'est envoyé)"


def write_index(folder: Path, title: str = "Boîte d'envoi") -> Path:
    """``index.html``: every .eml of the folder with its date, type, recipient and subject."""
    rows = []
    for path in sorted(folder.glob("*.eml")):
        with path.open("rb") as file:
            headers = BytesParser(policy=policy.default).parse(file, headersonly=True)
        rows.append(
            "<tr>"
            f"<td>{html.escape(str(headers.get('Date', '')))}</td>"
            f"<td>{html.escape(kinds.label(str(headers.get('X-Paniers-Kind', ''))))}</td>"
            f"<td>{html.escape(str(headers.get('To', '')))}</td>"
            f"<td><a href=\"{html.escape(path.name)}\">{html.escape(str(headers.get('Subject', '')))}</a></td>"
            "</tr>"
        )
    page = INDEX_PAGE.format(title=html.escape(title), count=len(rows), rows="\n".join(rows))
    index = folder / INDEX
    write_atomically(index, page.encode("utf-8"))
    return index


INDEX_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;color:#222}}
table{{border-collapse:collapse;width:100%}} th,td{{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #ddd;
vertical-align:top}} th{{background:#f3f0e8}}
</style></head>
<body><h1>{title}</h1>
<p>{count} message(s). Cliquez sur un sujet pour ouvrir le message dans votre logiciel de messagerie.</p>
<table><thead><tr><th>Date</th><th>Type</th><th>Destinataire</th><th>Sujet</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""
