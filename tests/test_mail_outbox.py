"""The outbox (the default mailer), the preview folder, and the message itself."""

from __future__ import annotations

import email
import email.policy
import tomllib
from pathlib import Path

from mailkit import PARIS, Order, at, demo_catalogue, letterhead, make_book, sale
from plain import plain

from sync import config as config_module
from sync.config import MailConfig
from sync.mail import compose
from sync.mail.journal import Entry, Journal
from sync.mail.mailer import open_mailer
from sync.mail.message import Attachment, build, safe_filename
from sync.mail.outbox import OutboxMailer
from sync.mail.preview import write_preview
from sync.mail.send import Limits, deliver
from sync.mail.wire import Outgoing

NOW = at("2026-12-05 10:00")
ROOT = Path(__file__).resolve().parent.parent


def emails():
    book = make_book(Order("martine.ducloux@example.org", {"PAIN1": 2, "VIA1": 1}),
                     Order("jerome.pelletier@example.net", {"OEU1": 1}, first_name="Jérôme", last_name="Pelletier"))
    return compose.order_updates(letterhead(), demo_catalogue(), sale(), book, Journal([], None, PARIS))


def test_the_outbox_is_the_default_and_writes_eml_files_a_person_finds(tmp_path):
    config = config_module.from_dict({}, base_dir=tmp_path)
    mailer = open_mailer(config, {})
    assert isinstance(mailer, OutboxMailer) and mailer.folder == tmp_path / "outbox"
    result = deliver(emails(), mailer, Journal([], None, PARIS), Limits(), NOW)
    assert len(result.sent) == 2
    names = sorted(p.name for p in (tmp_path / "outbox").iterdir() if not p.name.startswith("."))
    assert names == ["2026-12_confirmation_jerome.pelletier@example.net.eml",
                     "2026-12_confirmation_martine.ducloux@example.org.eml", "index.html"]
    message = email.message_from_bytes((tmp_path / "outbox" / names[1]).read_bytes(), policy=email.policy.default)
    assert message["To"].addresses[0].addr_spec == "martine.ducloux@example.org"
    index = (tmp_path / "outbox" / "index.html").read_text(encoding="utf-8")
    assert "Confirmation de commande" in index and "jerome.pelletier@example.net" in index
    assert 'href="2026-12_confirmation_martine.ducloux@example.org.eml"' in index
    assert "Votre commande est bien enregistrée (Vente de décembre)" in index


def test_a_different_email_never_overwrites_another_file(tmp_path):
    first, _ = emails()
    changed = compose.order_updates(letterhead(), demo_catalogue(), sale(),
                                    make_book(Order("martine.ducloux@example.org", {"PAIN1": 3})),
                                    Journal([], None, PARIS))[0]
    mailer = OutboxMailer(tmp_path)
    for item in (first, first, changed):
        list(mailer.send([(item, Outgoing(item, NOW))]))
    assert sorted(p.name for p in tmp_path.glob("*.eml")) == [
        "2026-12_confirmation_martine.ducloux@example.org-2.eml",
        "2026-12_confirmation_martine.ducloux@example.org.eml"]


def test_file_names_cannot_climb_out_of_the_folder():
    assert safe_filename("../../etc/passwd") == "etc_passwd"
    assert safe_filename("2026-12_confirmation_<script>@x.org") == "2026-12_confirmation__script_@x.org"
    assert "/" not in Attachment("/etc/passwd", b"").safe_filename


def test_preview_writes_html_text_and_eml_and_sends_nothing(tmp_path):
    journal = Journal([], None, PARIS)
    items = emails()
    index = write_preview(items, tmp_path / "apercu", NOW)
    files = sorted(p.name for p in (tmp_path / "apercu").iterdir() if not p.name.startswith("."))
    assert files == ["001_2026-12_confirmation_martine.ducloux@example.org.eml",
                     "001_2026-12_confirmation_martine.ducloux@example.org.html",
                     "001_2026-12_confirmation_martine.ducloux@example.org.txt",
                     "002_2026-12_confirmation_jerome.pelletier@example.net.eml",
                     "002_2026-12_confirmation_jerome.pelletier@example.net.html",
                     "002_2026-12_confirmation_jerome.pelletier@example.net.txt",
                     "index.html"]
    assert "2 e-mails partiraient maintenant" in plain(index.read_text(encoding="utf-8"))
    assert not journal.entries
    mine = tmp_path / "apercu" / "notes-de-martine.txt"
    mine.write_text("à garder")
    write_preview(items[:1], tmp_path / "apercu", NOW)  # a new preview replaces the old one…
    assert not (tmp_path / "apercu" / "002_2026-12_confirmation_jerome.pelletier@example.net.eml").exists()
    assert mine.read_text() == "à garder"  # …and never touches anything else
    journal.record(Entry.of(items[0], NOW))
    write_preview(items, tmp_path / "apercu", NOW, journal)  # already sent: not in the preview
    assert sorted(p.name for p in (tmp_path / "apercu").glob("*.eml")) == [
        "001_2026-12_confirmation_jerome.pelletier@example.net.eml"]


def test_the_message_is_multipart_alternative_with_deterministic_headers():
    first = emails()[0]
    message = build(first, NOW)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Message-ID"] == build(first, at("2026-12-09 10:00"))["Message-ID"]
    assert message["Date"] == "Sat, 05 Dec 2026 10:00:00 +0100"
    assert str(message["From"]) == '"Les Paniers du Boischaut (démo)" <paniers@example.org>'
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"] is None
    raw = bytes(message)
    assert max(len(line) for line in raw.splitlines()) <= 78
    raw.decode("ascii")  # quoted-printable and encoded words: survives any server


def test_the_example_config_documents_every_mail_key():
    example = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    for key in MailConfig.__dataclass_fields__:
        assert key in example["mail"] or f"# {key} = " in text, key
    config = config_module.from_dict({"mail": {"max_per_run": 10, "max_per_day": 50, "journal_wal": "envois.jsonl",
                                               "preview": "apercu"}}, base_dir=ROOT)
    assert config.mail.journal_wal == ROOT / "envois.jsonl"
    assert config_module.from_dict({}, base_dir=ROOT).mail.journal_wal == ROOT / "journal-envois.jsonl"


def test_the_index_reads_each_file_once(tmp_path, monkeypatch):
    from sync.mail import outbox

    folder = tmp_path / "outbox"
    deliver(emails(), OutboxMailer(folder), Journal([], None, PARIS), Limits(), NOW)
    first = (folder / "index.html").read_text(encoding="utf-8")
    parsed: list[str] = []
    real = outbox.BytesParser

    class Counting(real):
        def parse(self, file, headersonly=False):
            parsed.append(file.name)
            return super().parse(file, headersonly=headersonly)

    monkeypatch.setattr(outbox, "BytesParser", Counting)
    outbox.write_index(folder)
    assert parsed == [] and (folder / "index.html").read_text(encoding="utf-8") == first
    (folder / "2026-12_confirmation_martine.ducloux@example.org.eml").write_bytes(
        b"Subject: =?utf-8?q?Chang=C3=A9?=\nTo: x@example.org\n\ncorps\n")
    outbox.write_index(folder)
    assert len(parsed) == 1 and "Changé" in (folder / "index.html").read_text(encoding="utf-8")


def test_the_index_says_of_a_file_just_written_what_reading_it_says(tmp_path):
    """The outbox fills the index from the emails it writes (no parsing them back): the same rows as a
    rebuild that reads every file, names with accents and commas included."""
    from sync.mail import outbox

    folder = tmp_path / "outbox"
    book = make_book(Order("odile.dupont@example.org", {"PAIN1": 1}, first_name="Odile", last_name="Dupont, née Ré"),
                     Order("jerome.pelletier@example.net", {"OEU1": 1}, first_name="Jérôme", last_name="Pelletier"))
    due = compose.order_updates(letterhead(), demo_catalogue(), sale(), book, Journal([], None, PARIS))
    deliver(due, OutboxMailer(folder), Journal([], None, PARIS), Limits(), NOW)
    written = (folder / "index.html").read_text(encoding="utf-8")
    (folder / outbox.INDEX_CACHE).unlink()
    outbox.write_index(folder)
    assert (folder / "index.html").read_text(encoding="utf-8") == written
    assert "Odile" in written
