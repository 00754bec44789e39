"""The SMTP mailer against a real SMTP server (aiosmtpd on loopback): what arrives, on how many
connections, and what happens when the server refuses a recipient or drops the connection.

Each behaviour is tried against a server like Gmail (PIPELINING and 8BITMIME: one write a message, 8-bit
bodies) and, where it matters, against a plain one (each command waits for its answer, quoted-printable)."""

from __future__ import annotations

import http.server
import json
import smtplib
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
from sync.mail.mailer import DEFERRED, REFUSED, SENT
from sync.mail.message import Attachment, Outgoing
from sync.mail.send import Limits, deliver
from sync.mail.smtp import SmtpMailer

NOW = at("2026-12-02 10:00")
SENDER = "paniers@example.org"
SERVERS = pytest.mark.parametrize("extensions", [True, False], ids=["like-gmail", "plain"])


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


@SERVERS
def test_messages_arrive_on_one_connection_with_their_headers_parts_and_attachments(tmp_path, extensions):
    emails = confirmations(5)
    pdf = Attachment("liste.pdf", b"%PDF-1.4 test", "application/pdf")
    emails[0] = compose.producer_orders(letterhead(), demo_catalogue(), sale(), make_book(*households(5)), "FOUR",
                                        (pdf,))
    with running(Recorder(extensions=extensions)) as (_, server):
        result = deliver(emails, mailer(server_port(_)), journal(tmp_path), Limits(), NOW)
    assert len(result.sent) == 5 and not result.postponed and not result.refused
    assert server.connections == 1  # one SMTP session for the whole run
    for received in server.received:  # UTF-8 as written for a server that takes it, quoted-printable otherwise
        assert ("BODY=8BITMIME" in received.mail_options) == extensions
        assert (b"Content-Transfer-Encoding: 8bit" in received.raw) == extensions
        assert (b"Content-Transfer-Encoding: quoted-printable" in received.raw) != extensions
        assert received.raw.isascii() != extensions
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


@SERVERS
def test_a_refused_recipient_is_reported_and_the_others_go_on(tmp_path, extensions):
    emails = confirmations(4)
    refused = emails[1].recipient
    book_journal = journal(tmp_path)
    with running(Recorder(refuse=[refused], extensions=extensions)) as (controller, server):
        result = deliver(emails, mailer(controller.port), book_journal, Limits(), NOW)
    assert [r.rcpt_tos[0] for r in server.received] == [e.recipient for e in emails if e.recipient != refused]
    assert [(e.recipient, answer[:3]) for e, answer in result.refused] == [(refused, "550")]
    assert server.connections == 1
    [problem] = result.problems
    assert problem.value == refused and "refusée" in problem.message
    assert emails[1].key in book_journal  # journaled as refused: not retried every ten minutes
    assert book_journal.refusals() == [problem]  # the same anomaly on every later run, shown once
    assert "refusé" in result.summary()


@SERVERS
def test_a_dropped_connection_is_reopened_and_every_email_arrives_once(tmp_path, extensions):
    emails = confirmations(7)
    with running(Recorder(drop_after=3, extensions=extensions)) as (controller, server):
        result = deliver(emails, mailer(controller.port), journal(tmp_path), Limits(), NOW)
    assert len(result.sent) == 7
    assert sorted(r.rcpt_tos[0] for r in server.received) == sorted(e.recipient for e in emails)
    assert server.connections == 3  # 3 + 3 + 1


@SERVERS
def test_a_server_that_goes_away_is_finished_by_later_runs_and_nothing_arrives_twice(tmp_path, extensions):
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
        with running(Recorder(drop_after=4, extensions=extensions), port=port) as (controller, server):
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


UTF8_PASSWORD = "café€"


class CramMd5(Recorder):
    """Also offers CRAM-MD5 (aiosmtpd has no built-in one), checked against ``UTF8_PASSWORD`` as UTF-8."""

    async def auth_CRAM__MD5(self, server, args):  # aiosmtpd: "__" in the name is "-" in the mechanism
        import hmac

        challenge = b"<1896.697170952@paniers.test>"
        response = await server.challenge_auth(challenge)
        user, _, digest = response.rpartition(b" ")
        expected = hmac.HMAC(UTF8_PASSWORD.encode("utf-8"), challenge, "md5").hexdigest().encode()
        self.logins.append(("CRAM-MD5", user, digest == expected))
        return AuthResult(success=digest == expected, handled=False)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_a_password_that_is_not_ascii_logs_in_as_utf8(tmp_path, mechanism):
    """Issue 15: smtplib encodes the password as ASCII, so « café€ » crashed every run. It goes as UTF-8
    (RFC 4616 for PLAIN; what servers take for LOGIN and CRAM-MD5), whichever mechanism the server offers."""
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((mechanism, auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == UTF8_PASSWORD.encode("utf-8"), handled=False)

    others = [m for m in ("PLAIN", "LOGIN", "CRAM-MD5") if m != mechanism]
    handler = CramMd5()
    with running(handler, authenticator=authenticator, auth_require_tls=False, auth_required=True,
                 auth_exclude_mechanism=others) as (controller, server):
        config = config_module.from_dict({"mail": {
            "backend": "smtp", "host": "127.0.0.1", "port": controller.port, "security": "none",
            "user": "paniers@example.org", "password_env": "PANIERS_TEST_PW"}}, base_dir=tmp_path)
        mailer = SmtpMailer.from_config(config, {"PANIERS_TEST_PW": UTF8_PASSWORD}, sleep=lambda s: None)
        result = deliver(confirmations(2), mailer, journal(tmp_path), Limits(), NOW)
    assert len(result.sent) == 2 and not result.error and server.connections == 1
    if mechanism == "CRAM-MD5":
        assert handler.logins == [("CRAM-MD5", b"paniers@example.org", True)]
    else:
        assert seen == [(mechanism, b"paniers@example.org", UTF8_PASSWORD.encode("utf-8"))]


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
    token_file.chmod(0o600)
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


def test_a_gmail_oauth2_file_that_others_can_read_is_refused_with_the_command_to_run(tmp_path):
    token_file = tmp_path / "gmail-oauth2.json"
    token_file.write_text(json.dumps({"email_address": SENDER, "google_client_id": "client",
                                      "google_client_secret": "secret", "google_refresh_token": "refresh"}))
    token_file.chmod(0o644)  # what the documented yagmail command leaves
    with pytest.raises(ConfigError, match=rf"\[mail\] oauth2_file .* chmod 600 {token_file}"):
        SmtpMailer("smtp.gmail.com", 587, "starttls", SENDER, oauth2_file=token_file)


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


# --- pipelining (RFC 2920): one write a message, and every answer still read for its own message -----------

class Choosy(Recorder):
    """Answers some recipients at RCPT (``at_rcpt``) or at the end of their message (``at_data``) with a given
    reply, the first time only (every time with ``always``); ``at_mail``: the next answers to MAIL FROM, one per
    MAIL; ``lose`` takes a message, then cuts the connection before answering it. A 421 at the end of a message
    is said, then the connection closed (RFC 5321 3.8); at RCPT too with ``close_on_421``."""

    def __init__(self, at_rcpt=None, at_data=None, lose=(), at_mail=(), always=False, close_on_421=False,
                 **options):
        super().__init__(**options)
        self.at_rcpt, self.at_data, self.lose = dict(at_rcpt or {}), dict(at_data or {}), set(lose)
        self.at_mail, self.always, self.close_on_421 = list(at_mail), always, close_on_421

    def _reply(self, replies: dict, address: str) -> str:
        return replies[address] if self.always else replies.pop(address)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.at_mail:
            return self.at_mail.pop(0)
        return await super().handle_MAIL(server, session, envelope, address, mail_options)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.at_rcpt:
            reply = self._reply(self.at_rcpt, address)
            if reply.startswith("421") and self.close_on_421:
                await _say_and_close(server, reply)
            return reply
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server, session, envelope):
        [address] = envelope.rcpt_tos
        if address in self.at_data:
            reply = self._reply(self.at_data, address)
            if reply.startswith("421"):
                await _say_and_close(server, reply)
            return reply
        answer = await super().handle_DATA(server, session, envelope)
        if address in self.lose:
            self.lose.discard(address)
            server.transport.abort()  # the message is taken, its answer never leaves
        return answer


async def _say_and_close(server, reply: str) -> None:
    """Answer, then close the connection (what aiosmtpd would write after that is dropped)."""
    await server.push(reply)
    server.transport.close()


def outgoing(emails):
    return [(email, Outgoing(email, NOW)) for email in emails]


@SERVERS
def test_refusals_at_rcpt_and_at_the_end_of_a_message_each_for_its_own_email_in_order(extensions):
    emails = confirmations(8)
    to = [e.recipient for e in emails]
    handler = Choosy(at_rcpt={to[1]: "550 5.1.1 User unknown", to[2]: "451 4.7.1 Greylisted",
                              to[7]: "550 5.1.1 User unknown"},
                     at_data={to[4]: "554 5.7.1 Message rejected", to[5]: "452 4.3.1 Insufficient storage"},
                     extensions=extensions)
    with running(handler) as (controller, server):
        outcomes = list(mailer(controller.port).send(outgoing(emails)))
    assert [(o.email.recipient, o.status) for o in outcomes] == [
        (to[0], SENT), (to[1], REFUSED), (to[2], DEFERRED), (to[3], SENT), (to[4], REFUSED), (to[5], DEFERRED),
        (to[6], SENT), (to[7], REFUSED)]
    assert [o.detail[:3] for o in outcomes] == ["", "550", "451", "", "554", "452", "", "550"]
    assert [r.rcpt_tos[0] for r in server.received] == [to[0], to[3], to[6]]
    assert server.connections == 1


@SERVERS
def test_a_421_at_the_end_of_a_message_reopens_the_connection_and_sends_it_again(extensions):
    emails = confirmations(6)
    to = [e.recipient for e in emails]
    handler = Choosy(at_data={to[2]: "421 4.3.2 Service shutting down"}, extensions=extensions)
    with running(handler) as (controller, server):
        outcomes = list(mailer(controller.port).send(outgoing(emails)))
    assert [(o.email.recipient, o.status) for o in outcomes] == [(t, SENT) for t in to]
    assert [r.rcpt_tos[0] for r in server.received] == to  # each once: the 421 took nothing
    assert [r.connection for r in server.received] == [1, 1, 2, 2, 2, 2]


DEFERRING = {  # one recipient the server will not take now, whatever the run: where, what it says, and more
    "421-at-rcpt": ({"at_rcpt": "421 4.7.0 Try again later"}, {}),
    "421-at-rcpt-closing": ({"at_rcpt": "421 4.7.0 Try again later, closing connection"}, {"close_on_421": True}),
    "421-at-data-closing": ({"at_data": "421 4.3.2 Service shutting down"}, {}),
    "mailbox-full": ({"at_rcpt": "452 4.2.2 The email account that you tried to reach is over quota"}, {}),
    "mailbox-full-at-data": ({"at_data": "452 4.2.2 Mailbox full: quota exceeded"}, {}),
    "rate-limited-recipient": ({"at_rcpt": "450 4.2.1 The user is receiving mail too fast: rate limit"}, {}),
}


@SERVERS
@pytest.mark.parametrize("case", list(DEFERRING))
def test_a_recipient_the_server_keeps_deferring_holds_back_only_its_own_message(tmp_path, extensions, case):
    """Issue 15: a 4xx (a 421 too) for one recipient, on every connection and every run, defers that
    recipient's message only; the messages behind it go out. A 421 is tried once more on a new connection
    (it may be the server closing, ``test_a_421_at_the_end_of_a_message_reopens…``), then left for next run."""
    emails = confirmations(4)
    to = [e.recipient for e in emails]
    [(where, reply)], options = DEFERRING[case][0].items(), DEFERRING[case][1]
    pauses: list[float] = []
    wal = journal(tmp_path)
    for run in range(2):
        handler = Choosy(**{where: {to[1]: reply}}, always=True, extensions=extensions, **options)
        with running(handler) as (controller, server):
            result = deliver(emails, mailer(controller.port, sleep=pauses.append), wal, Limits(), NOW)
        assert not result.error, result.error
        assert [e.recipient for e in result.sent] == ([to[0], *to[2:]] if run == 0 else [])
        assert [e.recipient for e in result.postponed] == [to[1]]
        assert [r.rcpt_tos[0] for r in server.received] == ([to[0], *to[2:]] if run == 0 else [])
        assert server.connections <= 3 and len(pauses) <= 2 * (run + 1)  # bounded: one more try for a 421
        assert emails[1].key not in wal  # still due


def test_a_server_answering_421_to_every_message_stops_the_run_after_a_few_pauses():
    emails = confirmations(5)
    pauses: list[float] = []
    handler = Choosy(at_rcpt={e.recipient: "421 4.7.0 Try again later" for e in emails}, always=True)
    with running(handler) as (controller, server):
        result = deliver(emails, mailer(controller.port, sleep=pauses.append), Journal([], None, NOW.tzinfo),
                         Limits(), NOW)
    assert not result.sent and len(result.postponed) == 5
    assert pauses == [1, 2, 4] and server.connections == 4  # never endless: the usual bounded backoff
    assert "réessayer plus tard" in result.error and "421" in result.error
    assert "Vérifiez" not in result.error


@SERVERS
def test_a_transient_answer_to_mail_from_is_retried_after_a_pause(tmp_path, extensions):
    """Issue 15: one « 451 » to MAIL FROM is a server busy for a moment, not a wrong sender."""
    emails = confirmations(3)
    pauses: list[float] = []
    handler = Choosy(at_mail=["451 4.3.0 Mail server temporarily rejected message"], extensions=extensions)
    with running(handler) as (controller, server):
        result = deliver(emails, mailer(controller.port, sleep=pauses.append), journal(tmp_path), Limits(), NOW)
    assert len(result.sent) == 3 and not result.error
    assert pauses == [1] and server.connections == 2
    assert [r.rcpt_tos[0] for r in server.received] == [e.recipient for e in emails]


@SERVERS
def test_mail_from_deferred_again_and_again_stops_without_blaming_the_sender(tmp_path, extensions):
    pauses: list[float] = []
    handler = Choosy(at_mail=["451 4.3.0 Try again later"] * 10, extensions=extensions)
    with running(handler) as (controller, server):
        result = deliver(confirmations(3), mailer(controller.port, sleep=pauses.append), journal(tmp_path),
                         Limits(), NOW)
    assert not result.sent and len(result.postponed) == 3 and pauses == [1, 2, 4] and server.connections == 4
    assert "451" in result.error and "réessayer plus tard" in result.error and "[mail] sender" not in result.error


@SERVERS
def test_a_sender_refused_for_good_says_to_check_the_sender(tmp_path, extensions):
    pauses: list[float] = []
    handler = Choosy(at_mail=["553 5.7.1 Sender address rejected: not owned by user"], extensions=extensions)
    with running(handler) as (controller, server):
        result = deliver(confirmations(2), mailer(controller.port, sleep=pauses.append), journal(tmp_path),
                         Limits(), NOW)
    assert not result.sent and not pauses and server.connections == 1
    assert "553" in result.error and "Vérifiez [mail] sender" in result.error


@SERVERS
def test_a_message_whose_answer_is_lost_goes_again_and_nothing_is_reported_before_its_answer(extensions):
    emails = confirmations(5)
    to = [e.recipient for e in emails]
    handler = Choosy(lose={to[1]}, extensions=extensions)
    with running(handler) as (controller, server):
        outcomes = list(mailer(controller.port).send(outgoing(emails)))
    assert [(o.email.recipient, o.status) for o in outcomes] == [(t, SENT) for t in to]
    # the server had it, the sender never heard so: it goes again on the new connection (the documented duplicate)
    assert [(r.rcpt_tos[0], r.connection) for r in server.received] == [
        (to[0], 1), (to[1], 1), (to[1], 2), (to[2], 2), (to[3], 2), (to[4], 2)]


@SERVERS
def test_a_quota_answer_stops_the_run_and_the_rest_stays_due(tmp_path, extensions):
    emails = confirmations(6)
    to = [e.recipient for e in emails]
    handler = Choosy(at_rcpt={to[3]: "550 5.4.5 Daily user sending quota exceeded"}, extensions=extensions)
    with running(handler) as (controller, server):
        result = deliver(emails, mailer(controller.port), journal(tmp_path), Limits(), NOW)
    assert [e.recipient for e in result.sent] == to[:3]
    assert sorted(e.recipient for e in result.postponed) == sorted(to[3:]) and not result.refused
    assert "quota" in result.error and "500 par jour" in result.error
    assert [r.rcpt_tos[0] for r in server.received] == to[:3]


@SERVERS
def test_each_message_is_its_own_smtp_transaction_on_the_one_connection(monkeypatch, extensions):
    """``smtplib.sendmail`` for each message: MAIL, RCPT, DATA, the message, each waiting for its answer (issue 19:
    no hand-written pipelining), ``BODY=8BITMIME`` when the body is 8-bit, which it is only for a server that
    announced 8BITMIME."""
    writes = []
    real_send = smtplib.SMTP.send

    def counted(self, data):
        writes.append(data if isinstance(data, bytes) else data.encode())
        return real_send(self, data)

    monkeypatch.setattr(smtplib.SMTP, "send", counted)
    emails = confirmations(10)
    with running(Recorder(extensions=extensions)) as (controller, server):
        outcomes = list(mailer(controller.port).send(outgoing(emails)))
    assert [o.status for o in outcomes] == [SENT] * 10 and len(server.received) == 10 and server.connections == 1
    commands = [w for w in writes if not w.lower().startswith((b"ehlo", b"quit"))]
    assert len(commands) == 40
    for email, (mail, rcpt, data, message) in zip(emails, zip(*[iter(commands)] * 4, strict=True), strict=True):
        assert mail.startswith(b"mail FROM:<paniers@example.org>") and mail.endswith(
            b" BODY=8BITMIME\r\n" if extensions else b"\r\n") and (b"BODY=" in mail) == extensions
        assert rcpt == b"rcpt TO:<" + email.recipient.encode() + b">\r\n" and data == b"data\r\n"
        assert message.endswith(b"\r\n.\r\n") and message.isascii() != extensions


@SERVERS
def test_lines_that_start_with_a_dot_arrive_whole(extensions):
    """SMTP ends a message at a line holding a lone dot: a dot starting a line of the message is doubled on the
    wire (RFC 5321 4.5.2) and the server takes it off again."""
    import dataclasses

    first, second = confirmations(2)
    dotted = dataclasses.replace(first, text=".\n..\n.point de départ\nfin\n.", html="<p>\n.\n</p>\n<p>.</p>")
    with running(Recorder(extensions=extensions)) as (controller, server):
        outcomes = list(mailer(controller.port).send(outgoing([dotted, second])))
    assert [o.status for o in outcomes] == [SENT, SENT] and len(server.received) == 2
    message = server.received[0].message
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == ".\n..\n.point de départ\nfin\n.\n"
    assert message.get_body(("html",)).get_content().replace("\r\n", "\n") == "<p>\n.\n</p>\n<p>.</p>\n"


# --- a recipient deferred run after run: named in each report, an anomaly after a day ---------------------

def test_deferred_recipients_are_named_and_an_anomaly_after_a_day(tmp_path):
    """Issue 15: a recipient deferred (4xx) is named in the run's report (address, kind of email, the server's
    answer); the first deferral is remembered in the Journal tab (and the write-ahead file before it), and once
    the same email has been deferred for more than a day of the runs' ``now`` it is an Anomalies warning."""
    emails = confirmations(3)
    to = [e.recipient for e in emails]
    wal = tmp_path / "wal.jsonl"
    tab: list[list] = [Journal([], None, NOW.tzinfo).header]

    def run(now, answer="451 4.7.1 Greylisted, try again later"):
        book_journal = Journal.load(tab, wal, NOW.tzinfo)
        handler = Choosy(at_rcpt={to[1]: answer} if answer else {}, always=True)
        with running(handler) as (controller, _):
            result = deliver(emails, mailer(controller.port), book_journal, Limits(), now)
        tab.extend(result.rows)
        return result, book_journal

    first, book_journal = run(NOW)
    assert [e.recipient for e in first.sent] == [to[0], to[2]] and not first.error
    assert [(e.recipient, answer) for e, answer in first.deferred] == [(to[1], "451 4.7.1 Greylisted, try again later")]
    [line] = [line for line in first.report() if to[1] in line]
    assert "Confirmation de commande" in line and "451 4.7.1 Greylisted" in line and "reporté" in line
    assert not first.problems and emails[1].key not in book_journal  # still due
    [row] = [r for r in first.rows if to[1] in r]
    assert row[:3] == ["02/12/2026 10:00", "2026-12",
                       "Confirmation de commande — reporté : 451 4.7.1 Greylisted, try again later"]

    second, _ = run(NOW + timedelta(hours=23, minutes=59), "452 4.2.2 Mailbox full")
    assert [e.recipient for e, _ in second.deferred] == [to[1]] and not second.problems
    assert not second.rows  # the first deferral is remembered once, not one row a run
    assert any(to[1] in line and "452 4.2.2 Mailbox full" in line for line in second.report())

    wal.unlink()  # the Journal tab alone remembers (a runner that keeps no disk between runs)
    third, book_journal = run(NOW + timedelta(days=1, minutes=10), "452 4.2.2 Mailbox full")
    [problem] = third.problems
    assert (problem.severity, problem.tab, problem.value, problem.sale) == ("avertissement", "Journal", to[1],
                                                                             emails[1].sale)
    assert "le serveur de messagerie refuse temporairement" in problem.message
    assert "depuis le 02/12/2026 à 10:00" in problem.message and "452 4.2.2 Mailbox full" in problem.message
    assert "vérifiez l'adresse" in problem.message and "contactez" in problem.message
    assert book_journal.sent_on(NOW.date()) == 2  # a deferral is no send: the daily limit does not count it

    fourth, book_journal = run(NOW + timedelta(days=2), answer=None)  # the mailbox has room again
    assert [e.recipient for e in fourth.sent] == [to[1]] and not fourth.problems and not fourth.deferred
    assert emails[1].key in book_journal
    fifth, _ = run(NOW + timedelta(days=3), answer=None)
    assert not fifth.sent and not fifth.problems and len(fifth.already_sent) == 3


def test_a_deferral_not_yet_in_the_tab_is_recovered_from_the_write_ahead_file(tmp_path):
    emails = confirmations(2)
    wal = tmp_path / "wal.jsonl"
    header = Journal([], None, NOW.tzinfo).header
    with running(Choosy(at_rcpt={emails[0].recipient: "450 4.2.1 Try later"}, always=True)) as (controller, _):
        lost = deliver(emails, mailer(controller.port), Journal.load([header], wal, NOW.tzinfo), Limits(), NOW)
        assert lost.deferred  # its rows never reach the tab (the run stopped before writing it)
        later = Journal.load([header], wal, NOW.tzinfo)
        result = deliver(emails, mailer(controller.port), later, Limits(), NOW + timedelta(days=2))
    assert [r for r in result.rows if "reporté : 450" in " ".join(map(str, r))]  # appended now, dated then
    [problem] = result.problems
    assert "depuis le 02/12/2026 à 10:00" in problem.message


def test_over_a_network_each_message_costs_four_round_trips():
    """What issue 19 traded for simpler code (``benchmarks/README.md``): MAIL, RCPT, DATA and the message each wait
    for their answer, four round trips a message (the fake server's answers arrive ``delay`` seconds late, as over
    a network), on the one connection."""
    import time

    emails = confirmations(3)
    with running(Recorder(delay=0.05)) as (controller, server):
        started = time.perf_counter()
        outcomes = list(mailer(controller.port).send(outgoing(emails)))
        seconds = time.perf_counter() - started
    assert [o.status for o in outcomes] == [SENT] * 3 and server.connections == 1
    assert seconds >= 3 * 4 * 0.05  # and the greeting, EHLO and QUIT besides
