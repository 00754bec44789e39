"""Claims of the security reference (docs/dev/security.md) that no other test pins: where secrets may live and
where they never show up, and what a consumer's text can never become (template code, a path, an attachment, a
second recipient)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult
from conftest import at
from fakes.smtp_server import running
from mailkit import Order, demo_catalogue, letterhead, make_book, sale

from sync import config as config_module
from sync import demo
from sync.commands import Context, tick
from sync.errors import ConfigError, MailError
from sync.mail import compose
from sync.mail.journal import Journal
from sync.mail.message import Outgoing, build
from sync.mail.outbox import OutboxMailer
from sync.mail.send import Limits, deliver
from sync.mail.smtp import SmtpMailer
from sync.stores import MemoryStore

NOW = at("2026-12-02 10:00")
SECRET = "s3cret-Ne-Pas-Divulguer"


@pytest.mark.parametrize("section, key", [("mail", "password"), ("mail", "smtp_password"), ("store", "private_key"),
                                          ("store", "token"), ("group", "password")])
def test_no_secret_can_be_written_in_the_configuration_file(section, key):
    with pytest.raises(ConfigError, match="Clé inconnue"):
        config_module.from_dict({section: {key: SECRET}})


def test_a_refused_password_is_never_repeated_in_a_message():
    def login(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with running(authenticator=login, auth_require_tls=False, auth_required=True) as (controller, _):
            mailer = SmtpMailer("127.0.0.1", controller.port, "none", "paniers@example.org", password=SECRET,
                                sleep=lambda seconds: None)
            book = make_book(Order("a@example.org", {"PAIN1": 1}))
            emails = compose.order_updates(letterhead(), demo_catalogue(), sale(), book, Journal([], None, NOW.tzinfo))
            with pytest.raises(MailError) as refused:
                list(mailer.send((e, Outgoing(e, NOW)) for e in emails))
    assert "mot de passe" in str(refused.value) and SECRET not in str(refused.value)


def test_the_smtp_password_reaches_neither_the_workbook_nor_the_emails_nor_the_output(tmp_path):
    store = MemoryStore(demo.build())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")

        def login(server, session, envelope, mechanism, auth_data):
            return AuthResult(success=auth_data.password == SECRET.encode(), handled=False)

        with running(authenticator=login, auth_require_tls=False, auth_required=True) as (controller, server):
            config = config_module.from_dict({"mail": {
                "backend": "smtp", "host": "127.0.0.1", "port": controller.port, "security": "none",
                "user": "paniers@example.org", "password_env": "PANIERS_SMTP_PASSWORD"}}, base_dir=tmp_path)
            out: list[str] = []
            code = tick.run(Context(config, store, NOW, out.append, {"PANIERS_SMTP_PASSWORD": SECRET}))
    assert code == 0 and server.received  # it did log in and send
    assert SECRET not in "\n".join(out)
    assert not any(SECRET in str(cell) for grid in store.tabs.values() for row in grid for cell in row)
    assert not any(SECRET.encode() in received.raw for received in server.received)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]  # outbox, write-ahead file, locks
    assert not any(SECRET in p.read_text(encoding="utf-8", errors="replace") for p in files)


def test_template_code_typed_by_a_consumer_is_shown_as_typed():
    book = make_book(Order("eve@example.org", {"PAIN1": 1}, first_name="{{ 7*7 }}", last_name="{% raw %}",
                           comment="{{ config.__class__ }}"))
    [email] = compose.order_updates(letterhead(), demo_catalogue(), sale(), book, Journal([], None, NOW.tzinfo))
    assert "Bonjour {{ 7*7 }}," in email.text and "49" not in email.text.split("\n")[0]
    assert "{{ 7*7 }}" in email.html


def test_a_consumer_text_never_names_a_file_to_read_or_write(tmp_path):
    secret_file = tmp_path / "service-account.json"
    secret_file.write_text('{"private_key": "-----BEGIN PRIVATE KEY-----"}', encoding="utf-8")
    book = make_book(Order("eve@example.org", {"PAIN1": 1}, first_name=str(secret_file),
                           last_name="../../../etc/passwd", comment=str(secret_file)))
    emails = [*compose.order_updates(letterhead(), demo_catalogue(), sale(), book, Journal([], None, NOW.tzinfo)),
              *compose.pickup_reminders(letterhead(), demo_catalogue(), sale(), book, NOW)]
    outbox = tmp_path / "outbox"
    result = deliver(emails, OutboxMailer(outbox), Journal([], None, NOW.tzinfo), Limits(), NOW)
    assert len(result.sent) == len(emails) == 2
    for email in emails:
        message = build(email, NOW)
        assert b"PRIVATE KEY" not in bytes(message)  # never attached, never read
        assert [part.get_filename() for part in message.iter_attachments()] in ([], ["distribution-2026-12.ics"])
    written = [p.resolve() for p in tmp_path.rglob("*") if p.is_file()]
    assert all(p.parent == outbox.resolve() or p == secret_file.resolve() for p in written)  # nothing elsewhere
    assert not Path("/etc/passwd.eml").exists()


def test_each_email_goes_to_one_address_only_the_one_the_household_typed():
    book = make_book(Order("eve@example.org", {"PAIN1": 1}, first_name="Eve, bob@example.org",
                           last_name="<carol@example.org>; dave@example.org"))
    [email] = compose.order_updates(letterhead(), demo_catalogue(), sale(), book, Journal([], None, NOW.tzinfo))
    message = build(email, NOW)
    assert [a.addr_spec for a in message["To"].addresses] == ["eve@example.org"]
    assert message["Cc"] is None and message["Bcc"] is None


def test_the_preview_folder_loses_only_the_files_the_preview_wrote(tmp_path):
    from sync.mail.preview import MANIFEST, write_preview

    folder = tmp_path / "apercu"
    folder.mkdir()
    mine = folder / "notes-de-martine.txt"
    mine.write_text("à garder", encoding="utf-8")
    outside = tmp_path / "precieux.xlsx"
    outside.write_bytes(b"ne pas toucher")
    book = make_book(Order("eve@example.org", {"PAIN1": 1}))
    emails = compose.order_updates(letterhead(), demo_catalogue(), sale(), book, Journal([], None, NOW.tzinfo))
    write_preview(emails, folder, NOW)
    (folder / MANIFEST).write_text('["../precieux.xlsx", "/etc/hostname", "notes-de-martine.txt/.."]',
                                   encoding="utf-8")  # a manifest tampered with
    write_preview(emails, folder, NOW)
    assert mine.read_text(encoding="utf-8") == "à garder" and outside.read_bytes() == b"ne pas toucher"


def test_every_test_the_security_reference_names_exists():
    """docs/dev/security.md backs each claim with a test: a renamed or deleted test must not leave a claim bare."""
    import re

    root = Path(__file__).resolve().parent
    section = (root.parent / "docs" / "dev" / "security.md").read_text(encoding="utf-8")
    named = set(re.findall(r"(test_[a-z_]+\.py)::(test_[a-z0-9_]+)", section))
    assert len(named) >= 25
    missing = [f"{file}::{test}" for file, test in sorted(named)
               if f"def {test}(" not in (root / file).read_text(encoding="utf-8")]
    assert missing == []


def test_compiled_templates_are_kept_privately_and_an_edited_template_is_compiled_again(tmp_path):
    """Jinja's bytecode cache (sync/templating.py): a folder only this user can enter, keyed by the template's
    text, so the coordinator's edit shows in the very next email."""
    import os
    import stat

    from sync import templating

    folder = tmp_path / "modeles"
    folder.mkdir()
    template = folder / "essai.txt.j2"
    template.write_text("Bonjour {{ nom }}", encoding="utf-8")
    config = config_module.from_dict({"templates": {"folder": str(folder)}}, base_dir=tmp_path)
    env = templating.environment(config)
    assert env.get_template("essai.txt.j2").render(nom="Odile") == "Bonjour Odile"
    cache = Path(env.bytecode_cache.directory)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700 and cache.stat().st_uid == os.getuid()
    template.write_text("Au revoir {{ nom }}", encoding="utf-8")
    later = template.stat().st_mtime + 5
    os.utime(template, (later, later))
    assert env.get_template("essai.txt.j2").render(nom="Odile") == "Au revoir Odile"
    fresh = templating._environment.__wrapped__(tuple(templating.folders(config)))  # the next run: a new process
    assert fresh.get_template("essai.txt.j2").render(nom="Odile") == "Au revoir Odile"


UTF8_SECRET = "café€Ωø-17"  # a password a person may well choose; smtplib alone could not send it


def _pieces(secret: str) -> set[str]:
    """What would give a password away: any 3 characters of it in a row, each character that ordinary French
    output never holds (é does, € does not), and how Python writes those characters in a message or a traceback."""
    pieces = {secret[i:i + 3] for i in range(len(secret) - 2)}
    for char in (c for c in secret if not c.isascii()):
        pieces |= {ascii(char)[1:-1], char.encode("utf-8").decode("latin-1")}  # '\\xe9', 'Ã©'
        if char not in "éèêàùçôî":
            pieces.add(char)
    return pieces


@pytest.mark.parametrize("accepted", [True, False], ids=["accepted", "refused"])
def test_a_password_that_is_not_ascii_never_shows_in_what_a_run_prints(tmp_path, monkeypatch, accepted):
    """Issue 15: with « café€ » as password every run crashed with a traceback naming one of its characters.
    The real command (``jobs.py tick`` in its own process, its whole output and error stream) logs in with it
    as UTF-8, or says in French that the server refuses it, showing nothing of it either way."""
    import synthetic
    from test_faults import small_group, tick_process, write_config

    grids = small_group(3)
    synthetic.write_workbook(grids, tmp_path / "paniers.xlsx")

    def login(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=accepted and auth_data.password == UTF8_SECRET.encode("utf-8"), handled=False)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with running(authenticator=login, auth_require_tls=False, auth_required=True) as (controller, server):
            config = write_config(tmp_path, controller.port, user="paniers@example.org",
                                  password_env="PANIERS_TEST_UTF8_PASSWORD")
            monkeypatch.setenv("PANIERS_TEST_UTF8_PASSWORD", UTF8_SECRET)
            child = tick_process(config)
            out, err = child.communicate(timeout=120)
    printed = out + err
    assert "Traceback" not in printed and "Erreur inattendue" not in printed, printed
    if accepted:
        assert child.returncode == 0 and server.received, printed
    else:
        assert child.returncode == 1 and not server.received
        assert "refuse l'identifiant ou le mot de passe" in printed
    assert not [piece for piece in _pieces(UTF8_SECRET) if piece in printed], printed
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".xlsx"]  # write-ahead file, locks, logs
    assert not any(UTF8_SECRET in p.read_text(encoding="utf-8", errors="replace") for p in files)


def test_secret_files_are_written_0600_whatever_the_umask_and_whatever_was_there(tmp_path):
    import os
    import stat

    from sync import files

    target = tmp_path / "jeton.json"
    target.write_text("ancien")
    target.chmod(0o644)
    stale = files.temporary_path(target)
    stale.write_text("reste d'une coupure")
    stale.chmod(0o666)
    previous = os.umask(0)
    try:
        files.write_text(target, "nouveau", secret=True)
    finally:
        os.umask(previous)
    assert target.read_text() == "nouveau" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not stale.exists()
