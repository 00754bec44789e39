"""The SMTP mailer against a real SMTP server (aiosmtpd on loopback): what arrives, on how many
connections, and what happens when the server refuses a recipient or drops the connection."""

from __future__ import annotations

import http.server
import json
import ssl
import threading
import typing
import urllib.parse
from datetime import timedelta

import pytest
import trustme
from aiosmtpd.smtp import AuthResult
from fakes.smtp_server import Recorder, free_port, running
from mailkit import Order, at, demo_catalogue, letterhead, make_book, sale

from sync import config as config_module
from sync.errors import ConfigError
from sync.mail import compose
from sync.mail.journal import Journal, WriteAheadLog
from sync.mail.message import Attachment
from sync.mail.send import Limits, deliver
from sync.mail.smtp import SmtpMailer

NOW = at("2026-12-02 10:00")
SENDER = "paniers@example.org"


def households(n: int, **overrides) -> list[Order]:
    return [Order(f"foyer{i:02d}@example.net", {"PAIN1": 1 + i % 2, "OEU1": 1}, first_name=f"Prénom{i}",
                  last_name="Test", **overrides) for i in range(n)]


def confirmations(n: int):
    book = make_book(*households(n))
    return compose.order_updates(letterhead(), demo_catalogue(), sale(), book, Journal([], None, NOW.tzinfo))


def mailer(port: int, **options) -> SmtpMailer:
    options.setdefault("sleep", lambda seconds: None)
    return SmtpMailer("127.0.0.1", port, options.pop("security", "none"), SENDER, **options)


def journal(tmp_path) -> Journal:
    return Journal([], WriteAheadLog(tmp_path / "wal.jsonl"), NOW.tzinfo)


def test_messages_arrive_on_one_connection_with_their_headers_parts_and_attachments(tmp_path):
    emails = confirmations(5)
    pdf = Attachment("liste.pdf", b"%PDF-1.4 test", "application/pdf")
    emails[0] = compose.producer_orders(letterhead(), demo_catalogue(), sale(), make_book(*households(5)), "FOUR",
                                        (pdf,))
    with running() as (_, server):
        result = deliver(emails, mailer(server_port(_)), journal(tmp_path), Limits(), NOW)
    assert len(result.sent) == 5 and not result.postponed and not result.refused
    assert server.connections == 1  # one SMTP session for the whole run
    assert sorted(r.rcpt_tos[0] for r in server.received) == sorted(e.recipient for e in emails)
    for received in server.received:
        assert len(received.rcpt_tos) == 1  # nobody sees anybody else's address
        assert received.mail_from == SENDER
        message = received.message
        assert message["To"].addresses[0].addr_spec == received.rcpt_tos[0]
        assert "Les Paniers du Boischaut (démo)" in str(message["From"])
        assert str(message["Reply-To"]) == "animation@example.org"
        assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@example.org>")
        assert message["Date"].endswith("+0100")  # Paris time in December
        plain = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "<" not in plain.split("\n")[0] and "À bientôt" in plain  # a real text part, not HTML with <br>
        assert html.lstrip().startswith("<!doctype html>")
    producer = next(r.message for r in server.received if r.rcpt_tos[0] == "fournil.des.vignes@example.org")
    assert producer.get_content_type() == "multipart/mixed"
    [attachment] = list(producer.iter_attachments())
    assert attachment.get_filename() == "liste.pdf" and attachment.get_content() == b"%PDF-1.4 test"
    confirmation = next(r.message for r in server.received if r.rcpt_tos[0] == "foyer01@example.net")
    assert confirmation.get_content_type() == "multipart/alternative"
    assert "Votre commande est bien enregistrée" in confirmation["Subject"]


def server_port(controller) -> int:
    return controller.port


def test_a_refused_recipient_is_reported_and_the_others_go_on(tmp_path):
    emails = confirmations(4)
    refused = emails[1].recipient
    book_journal = journal(tmp_path)
    with running(Recorder(refuse=[refused])) as (controller, server):
        result = deliver(emails, mailer(controller.port), book_journal, Limits(), NOW)
    assert [r.rcpt_tos[0] for r in server.received] == [e.recipient for e in emails if e.recipient != refused]
    assert [(e.recipient, answer[:3]) for e, answer in result.refused] == [(refused, "550")]
    assert server.connections == 1
    [problem] = result.problems
    assert problem.value == refused and "refusée" in problem.message
    assert emails[1].key in book_journal  # journaled as refused: not retried every ten minutes
    assert book_journal.refusals() == [problem]  # the same anomaly on every later run, shown once
    assert "refusé" in result.summary()


def test_a_dropped_connection_is_reopened_and_every_email_arrives_once(tmp_path):
    emails = confirmations(7)
    with running(Recorder(drop_after=3)) as (controller, server):
        result = deliver(emails, mailer(controller.port), journal(tmp_path), Limits(), NOW)
    assert len(result.sent) == 7
    assert sorted(r.rcpt_tos[0] for r in server.received) == sorted(e.recipient for e in emails)
    assert server.connections == 3  # 3 + 3 + 1


def test_a_server_that_goes_away_is_finished_by_later_runs_and_nothing_arrives_twice(tmp_path):
    emails = confirmations(9)
    wal = tmp_path / "wal.jsonl"
    port = free_port()
    received = []
    sheet_rows: list[list] = []
    runs = 0
    while True:
        runs += 1
        assert runs < 10
        tab = [Journal([], None, NOW.tzinfo).header, *sheet_rows]
        book_journal = Journal.load(tab, wal, NOW.tzinfo)
        # each run the server accepts 4 messages on its connection, then drops it and refuses any other
        with running(Recorder(drop_after=4), port=port) as (controller, server):
            def stop_after_drop(seconds, controller=controller):
                controller.stop()  # the server is gone: reconnections fail

            result = deliver(emails, mailer(port, sleep=stop_after_drop), book_journal, Limits(), NOW,
                             flush=sheet_rows.extend, batch=2)
            received += [r.rcpt_tos[0] for r in server.received]
        if not result.postponed:
            break
        sheet_rows.extend(result.rows)
        assert "coupée" in result.error or "joindre" in result.error
    sheet_rows.extend(result.rows)
    assert runs == 3
    assert sorted(received) == sorted(e.recipient for e in emails)  # all delivered, none twice
    assert len(sheet_rows) == 9


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_with_a_password_from_the_environment(tmp_path):
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((mechanism, auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    with running(authenticator=authenticator, auth_require_tls=False, auth_required=True) as (controller, server):
        config = config_module.from_dict({"mail": {
            "backend": "smtp", "host": "127.0.0.1", "port": controller.port, "security": "none",
            "user": "paniers@example.org", "password_env": "PANIERS_TEST_PW"}}, base_dir=tmp_path)
        good = SmtpMailer.from_config(config, {"PANIERS_TEST_PW": "s3cret"}, sleep=lambda s: None)
        result = deliver(confirmations(2), good, journal(tmp_path), Limits(), NOW)
        assert len(result.sent) == 2 and server.connections == 1
        bad = SmtpMailer.from_config(config, {"PANIERS_TEST_PW": "wrong"}, sleep=lambda s: None)
        failed = deliver(confirmations(2), bad, journal(tmp_path / "other"), Limits(), NOW)
    assert seen[0][1:] == (b"paniers@example.org", b"s3cret")
    assert not failed.sent and len(failed.postponed) == 2
    assert "mot de passe" in failed.error
    assert len(server.received) == 2


def test_a_missing_password_variable_is_a_french_configuration_error():
    config = config_module.from_dict({"mail": {"backend": "smtp", "host": "smtp.example.org",
                                               "password_env": "PANIERS_ABSENT"}})
    with pytest.raises(ConfigError, match="PANIERS_ABSENT"):
        SmtpMailer.from_config(config, {})


def test_without_a_password_it_never_logs_in_nor_prompts(tmp_path, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda *a: pytest.fail("prompted"))
    monkeypatch.setattr("getpass.getpass", lambda *a: pytest.fail("prompted"))
    with running() as (controller, server):
        result = deliver(confirmations(1), mailer(controller.port), journal(tmp_path), Limits(), NOW)
    assert len(result.sent) == 1 and len(server.received) == 1


def test_an_unreachable_server_postpones_everything(tmp_path):
    result = deliver(confirmations(3), mailer(free_port()), journal(tmp_path), Limits(), NOW)
    assert not result.sent and len(result.postponed) == 3
    assert "Impossible de joindre" in result.error


@pytest.fixture(scope="module")
def tls():
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


def test_ssl_and_starttls(tmp_path, tls):
    server_context, client_context = tls
    with running(ssl_context=server_context) as (controller, server):
        result = deliver(confirmations(2), mailer(controller.port, security="ssl", ssl_context=client_context),
                         journal(tmp_path / "a"), Limits(), NOW)
        assert len(result.sent) == 2 and server.connections == 1
    with running(tls_context=server_context, require_starttls=True) as (controller, server):
        result = deliver(confirmations(2), mailer(controller.port, security="starttls", ssl_context=client_context),
                         journal(tmp_path / "b"), Limits(), NOW)
        assert len(result.sent) == 2 and server.connections == 1
    with running(tls_context=server_context, require_starttls=True) as (controller, server):
        result = deliver(confirmations(1), mailer(controller.port, security="starttls"), journal(tmp_path / "c"),
                         Limits(), NOW)  # the server's certificate is not trusted by default: no send
        assert not result.sent and "Impossible de joindre" in result.error


class TokenEndpoint(http.server.BaseHTTPRequestHandler):
    """Google's OAuth2 token endpoint, as yagmail calls it to refresh the access token."""

    requests: typing.ClassVar[list[dict]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        TokenEndpoint.requests.append({"path": self.path, **dict(urllib.parse.parse_qsl(body))})
        payload = json.dumps({"access_token": "jeton-42", "expires_in": 3600}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_gmail_oauth2_login_with_a_token_file(tmp_path, monkeypatch):
    token_file = tmp_path / "gmail-oauth2.json"
    token_file.write_text(json.dumps({"email_address": SENDER, "google_client_id": "client",
                                      "google_client_secret": "secret", "google_refresh_token": "refresh"}))
    endpoint = http.server.HTTPServer(("127.0.0.1", 0), TokenEndpoint)
    threading.Thread(target=endpoint.serve_forever, daemon=True).start()
    monkeypatch.setattr("yagmail.oauth2.GOOGLE_ACCOUNTS_BASE_URL", f"http://127.0.0.1:{endpoint.server_port}")

    class XOAuth2(Recorder):
        async def auth_XOAUTH2(self, server, args):
            import base64

            decoded = base64.b64decode(args[1]).decode()
            self.logins.append(decoded)
            return AuthResult(success=decoded == f"user={SENDER}\x01auth=Bearer jeton-42\x01\x01", handled=False)

    handler = XOAuth2()  # requires AUTH: nothing is accepted before the XOAUTH2 login
    try:
        with running(handler, auth_require_tls=False, auth_required=True) as (controller, _):
            result = deliver(confirmations(2), mailer(controller.port, oauth2_file=token_file),
                             journal(tmp_path), Limits(), NOW)
    finally:
        endpoint.shutdown()
    assert len(result.sent) == 2, result.error
    assert handler.logins == [f"user={SENDER}\x01auth=Bearer jeton-42\x01\x01"]
    assert TokenEndpoint.requests[0]["refresh_token"] == "refresh"


def test_an_oauth2_file_that_is_not_authorised_yet_is_refused_before_any_prompt(tmp_path):
    client_file = tmp_path / "client_secret.json"
    client_file.write_text(json.dumps({"installed": {"client_id": "x", "client_secret": "y"}}))
    with pytest.raises(ConfigError, match="oauth2_file"):
        SmtpMailer("smtp.gmail.com", 587, "starttls", SENDER, oauth2_file=client_file)
    with pytest.raises(ConfigError, match="introuvable"):
        SmtpMailer("smtp.gmail.com", 587, "starttls", SENDER, oauth2_file=tmp_path / "absent.json")


def test_the_day_after_the_limit_is_fresh(tmp_path):
    emails = confirmations(5)
    book_journal = journal(tmp_path)
    with running() as (controller, server):
        first = deliver(emails, mailer(controller.port), book_journal, Limits(max_per_run=10, max_per_day=3), NOW)
        second = deliver(emails, mailer(controller.port), book_journal, Limits(max_per_run=10, max_per_day=3), NOW)
        third = deliver(emails, mailer(controller.port), book_journal, Limits(max_per_run=10, max_per_day=3),
                        NOW + timedelta(days=1))
    assert (len(first.sent), len(second.sent), len(third.sent)) == (3, 0, 2)
    assert "par jour" in second.summary()
    assert len(server.received) == 5
