"""``paniers preview``: every email that would go out now, written to a folder (HTML, text and .eml)
with an index, so the coordinator can read them before anything leaves. Nothing is sent, nothing is
journaled. The charts of a recap are written next to its ``.html`` (a browser cannot read the
message's ``cid:`` images from a file)."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from ..french import plural, typography_html
from ..values import long_datetime
from . import kinds
from .journal import Journal
from .message import Email, as_bytes, build, person, safe_filename
from .outbox import eml_name, write_atomically

MANIFEST = ".apercu.json"  # the files the previous preview wrote: only those are removed


def write_preview(emails: Iterable[Email], folder: Path, now: datetime, journal: Journal | None = None) -> Path:
    """Write each email as ``NNN_<sale>_<kind>_<recipient>.{html,txt,eml}`` and ``index.html``; return the index.
    With ``journal``, the emails it already holds are left out: the preview shows what would go out now, numbered
    in the order they would go (the most urgent first, as ``send.plan`` sends them), each with its label (what it
    says: kinds.py) and its recipient's name and address."""
    folder = Path(folder)
    emails = [e for e in dict((e.key, e) for e in emails).values() if journal is None or e.key not in journal]
    emails.sort(key=lambda e: kinds.priority(e.kind))  # stable
    folder.mkdir(parents=True, exist_ok=True)
    _clear_previous(folder)
    written: list[str] = []
    rows = []
    for number, email in enumerate(emails, start=1):
        stem = f"{number:03d}_{eml_name(email)}"
        # A browser opening the .html cannot see the message's cid: images: they are written next to it
        page = email.html
        for image in email.images:
            name = safe_filename(f"{stem}_{image.safe_filename}")
            write_atomically(folder / name, image.content)
            written.append(name)
            page = page.replace(f'src="cid:{image.cid}"', f'src="{html.escape(name)}"')
        files = {".html": page.encode("utf-8"), ".txt": email.text.encode("utf-8"),
                 ".eml": as_bytes(build(email, now, eightbit=True))}
        for suffix, data in files.items():
            write_atomically(folder / f"{stem}{suffix}", data)
            written.append(f"{stem}{suffix}")
        attachments = ", ".join(html.escape(a.safe_filename) for a in email.attachments)
        rows.append(
            "<tr>"
            f"<td>{number}</td><td>{html.escape(email.sale)}</td><td>{html.escape(kinds.label_of(email))}</td>"
            f"<td>{html.escape(person(email.recipient_name, email.recipient))}</td>"
            f"<td><a href=\"{html.escape(stem)}.html\">{html.escape(email.subject)}</a></td>"
            f"<td><a href=\"{html.escape(stem)}.txt\">texte</a> · <a href=\"{html.escape(stem)}.eml\">.eml</a></td>"
            f"<td>{attachments}</td>"
            "</tr>"
        )
    count = plural(len(rows), "e-mail partirait", "e-mails partiraient")
    page = typography_html(PAGE.format(when=html.escape(long_datetime(now)), count=html.escape(count),
                                       rows="\n".join(rows)))
    index = folder / "index.html"
    write_atomically(index, page.encode("utf-8"))
    written.append("index.html")
    write_atomically(folder / MANIFEST, json.dumps(written, ensure_ascii=False).encode("utf-8"))
    return index


def _clear_previous(folder: Path) -> None:
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return
    try:
        names = json.loads(manifest.read_text(encoding="utf-8"))
    except ValueError:
        return
    for name in names if isinstance(names, list) else []:
        if isinstance(name, str) and name == safe_filename(name):  # a bare file name of ours, nothing else
            (folder / name).unlink(missing_ok=True)


PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aperçu des e-mails</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;color:#222}}
table{{border-collapse:collapse;width:100%}} th,td{{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #ddd;
vertical-align:top}} th{{background:#f3f0e8}}
</style></head>
<body><h1>Aperçu des e-mails</h1>
<p>{count} maintenant, le {when}, dans cet ordre. Rien n'a été envoyé.</p>
<table><thead><tr><th>#</th><th>Vente</th><th>Type</th><th>Destinataire</th><th>Sujet</th><th>Versions</th>
<th>Pièces jointes</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""
