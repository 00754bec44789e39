"""Sending through an SMTP server with yagmail's logged-in connection: one connection per run.

yagmail's own ``send()`` opens a new connection for every message, builds a fake text part and
attaches any content string that names an existing file (``tech-notes.md``). So it is used only to
connect and log in; each message's bytes (``message.as_bytes``, the standard library's) go on the logged-in
connection with ``smtplib``'s ``sendmail``: MAIL, RCPT, DATA and the message, each waiting for its answer.
The password comes from the environment variable named by ``[mail] password_env``, never from a keyring
or a prompt (cron has no one to answer it). When the server announces 8BITMIME (Gmail does), the bodies go
as UTF-8 text (``BODY=8BITMIME``) rather than quoted-printable.

A refused recipient (550) becomes an outcome and the others go on; a recipient deferred (4xx) too: its
message waits for the next run. A dropped connection (or a 421) is reopened and the message that has no
answer yet is sent again, a few times with a pause (a message whose final answer was lost with the
connection may thus arrive twice); a message the server answers 421 a second time in a run is deferred, so
that one recipient the server will not take now blocks nobody else. A "try later" (4xx) to MAIL FROM is
retried the same way. A server that says the daily quota is reached stops the run, and what was not sent is
simply still due next time (an answer about the recipient's own mailbox, "452 4.2.2 over quota", only defers
that one). Outcomes come in the order of the messages, each only once the server has answered that message.

Until issue 19 the commands were pipelined by hand (RFC 2920: one round trip a message instead of four).
Measured end to end (``benchmarks/README.md``), that bought nothing a user sees on 20-100 emails a run, and
it was the code the fault trials found defects in: it was removed. Over a real network each message now
costs four round trips (about 0.1 s to Gmail), ten seconds for a run of 100.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import json
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import yagmail

from .. import files
from ..config import Config, secret_from_env
from ..errors import ConfigError, MailError
from .mailer import DEFERRED, REFUSED, SENT, Item, Outcome

OAUTH2_KEYS = ("google_client_id", "google_client_secret", "google_refresh_token")
_QUOTA = re.compile(r"quota|limit|5\.4\.5", re.IGNORECASE)
# RFC 3463 status codes about one recipient: its address (X.1.*) or its mailbox (disabled, full, message too
# big for it: X.2.1-3). "452 4.2.2 over quota" is that person's full mailbox, not the sender's daily quota.
_RECIPIENT_STATUS = re.compile(r"(?<![\d.])[45]\.(?:1\.\d{1,3}|2\.[123])(?![\d.])")
DROPPED = (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError)


class _Unreachable(MailError):
    """The server could not be reached (a reconnection may still succeed after a pause)."""


class _Retry(Exception):
    """The server said 421 (it is closing the connection), or "try later" (4xx) to the sender: reopen the
    connection after a pause and send again what has no outcome. ``email``: the message the 421 answered (at
    RCPT or at the end of its data), when it was about one message."""

    def __init__(self, answer: str, email=None):
        super().__init__(answer)
        self.email = email


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {' '.join(text.split())}".strip()


def read_oauth2_file(path: Path) -> dict:
    """The token file yagmail writes after a one-time authorisation; never prompt for one in a run."""
    how = ("créez-le une fois, dans un terminal, avec : python -c \"import yagmail; "
           f"yagmail.SMTP('votre.adresse@gmail.com', oauth2_file='{path}')\" (voir docs/emails.md)")
    if not path.is_file():
        raise ConfigError(f"[mail] oauth2_file : le fichier {path} est introuvable ; {how}.")
    files.check_secret(path, "[mail] oauth2_file", fix=False)  # yagmail writes it 0644; it opens the mailbox
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"[mail] oauth2_file : le fichier {path} est illisible ({exc}).") from exc
    if not isinstance(data, dict) or "installed" in data or any(not data.get(k) for k in OAUTH2_KEYS):
        raise ConfigError(f"[mail] oauth2_file : {path} n'est pas encore un fichier de jeton autorisé ; {how}.")
    return data


class SmtpMailer:
    def __init__(self, host: str, port: int, security: str, sender: str, user: str | None = None,
                 password: str | None = None, oauth2_file: Path | None = None, timeout: float = 30,
                 ssl_context: ssl.SSLContext | None = None, retries: int = 3,
                 sleep: Callable[[float], None] = time.sleep):
        if security not in ("ssl", "starttls", "none"):
            raise ConfigError(f"[mail] security = « {security} » : ssl, starttls ou none attendu.")
        self.host, self.port, self.security = host, port, security
        self.sender = sender
        self.user = user or sender
        self.password = password
        self.oauth2 = read_oauth2_file(oauth2_file) if oauth2_file is not None else None
        self.oauth2_file = oauth2_file
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.retries = retries
        self.sleep = sleep
        self._yag: yagmail.SMTP | None = None
        self._opened_before = False

    @classmethod
    def from_config(cls, config: Config, environ: Mapping[str, str], **options) -> SmtpMailer:
        mail = config.mail
        if not mail.host:
            raise ConfigError("[mail] backend = « smtp » demande aussi host (le serveur d'envoi, ex. smtp.gmail.com).")
        password = None
        if mail.oauth2_file is None and mail.password_env:
            password = secret_from_env("[mail] password_env", mail.password_env, environ)
        return cls(mail.host, mail.port, mail.security, mail.sender, mail.user, password, mail.oauth2_file,
                   **options)

    def describe(self) -> str:
        return f"le serveur {self.host}:{self.port} ({self.security})"

    # --- the connection --------------------------------------------------------------------------

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def _open(self) -> None:
        """Connect and log in once; yagmail holds the connection (``yag.smtp``)."""
        options: dict = {"timeout": self.timeout}
        if self.security == "ssl":
            options["context"] = self._context()
        starttls = {"context": self._context()} if self.security == "starttls" else False
        try:
            self._yag = yagmail.SMTP(
                user=self.user, password=self.password, host=self.host, port=self.port,
                smtp_ssl=self.security == "ssl", smtp_starttls=starttls,
                # Without a password yagmail would ask a keyring, then the keyboard: never in a run; with one,
                # smtplib would encode it as ASCII (``_login_password``): yagmail only connects.
                smtp_skip_login=self.oauth2 is None,
                oauth2_file=str(self.oauth2_file) if self.oauth2 is not None else None,
                soft_email_validation=False, **options,
            )
            self._yag.set_logging(None)
            if self.oauth2 is not None:
                self._login_oauth2()
            else:
                self._yag.login()
                if self.password is not None:
                    self._login_password()
            self._opened_before = True
        except smtplib.SMTPAuthenticationError as exc:
            self._close()
            answer = _reply(exc.smtp_code, exc.smtp_error)
            raise MailError(
                f"Le serveur {self.host} refuse l'identifiant ou le mot de passe ({answer})."
                " Vérifiez [mail] user et la variable d'environnement nommée par [mail] password_env ; avec Gmail, "
                "il faut un « mot de passe d'application »."
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._close()
            raise _Unreachable(f"Impossible de joindre le serveur d'envoi {self.host}:{self.port} ({exc}). "
                            "Vérifiez [mail] host, port et security, et la connexion à Internet.") from exc

    def _login_oauth2(self) -> None:
        """Gmail's XOAUTH2 on yagmail's connection. yagmail's own OAuth login neither checks the server's
        answer nor honours a TLS context, so the few steps are done here with its token refresh."""
        yag = self._yag
        yag.smtp = yag.connection(yag.host, yag.port, **yag.kwargs)
        yag.is_closed = False
        yag.smtp.ehlo()
        if self.security == "starttls":
            yag.smtp.starttls(context=self._context())
            yag.smtp.ehlo()
        info = {k: v for k, v in yag.credentials.items() if k in OAUTH2_KEYS}
        token = yag.get_oauth_string(self.user, info)
        code, reply = yag.smtp.docmd("AUTH", "XOAUTH2 " + token)
        if code == 334:  # the server explains the failure in a challenge, then wants an empty line
            code, reply = yag.smtp.docmd("")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply)

    def verify(self) -> None:
        """Connect, secure the connection as configured, say EHLO, log in, then QUIT: nothing is sent
        (``paniers doctor``). Raises ``MailError`` as a run would, with the same French message."""
        try:
            self._open()
            self._yag.smtp.ehlo_or_helo_if_needed()  # without STARTTLS nor a login, _open said nothing yet
        except (OSError, smtplib.SMTPException) as exc:
            raise _Unreachable(f"Le serveur d'envoi {self.host}:{self.port} a coupé la connexion ({exc}).") from exc
        finally:
            self._close()

    def _login_password(self) -> None:
        """``smtplib.SMTP.login`` with the user and password sent as UTF-8.

        smtplib encodes them as ASCII: a password such as « café€ » failed with a UnicodeEncodeError whose
        message shows one of its characters, on every run. RFC 4616 (PLAIN) says UTF-8; LOGIN and CRAM-MD5
        have no charset, and servers take UTF-8 there too. The same mechanisms in smtplib's order, each tried
        until one is accepted; an ASCII password goes exactly as smtplib would send it. A character the
        environment could not decode goes back as the byte it was (``surrogateescape``)."""
        smtp = self._yag.smtp
        smtp.ehlo_or_helo_if_needed()
        if not smtp.has_extn("auth"):
            raise smtplib.SMTPNotSupportedError("le serveur ne propose pas de connexion par mot de passe (AUTH)")
        user, password = (text.encode("utf-8", "surrogateescape") for text in (self.user, self.password))

        def b64(data: bytes) -> str:
            return base64.b64encode(data).decode("ascii")

        offered = smtp.esmtp_features["auth"].upper().split()
        refused: smtplib.SMTPAuthenticationError | None = None
        for mechanism in [m for m in ("CRAM-MD5", "PLAIN", "LOGIN") if m in offered]:
            if mechanism == "PLAIN":
                code, reply = smtp.docmd("AUTH", "PLAIN " + b64(b"\0" + user + b"\0" + password))
            else:
                code, reply = smtp.docmd("AUTH", mechanism + (" " + b64(user) if mechanism == "LOGIN" else ""))
                if code == 334:
                    if mechanism == "CRAM-MD5":
                        digest = hmac.HMAC(password, base64.b64decode(reply), "md5").hexdigest().encode("ascii")
                        code, reply = smtp.docmd(b64(user + b" " + digest))
                    else:
                        code, reply = smtp.docmd(b64(password))
            if code in (235, 503):  # accepted, or already logged in
                return
            refused = smtplib.SMTPAuthenticationError(code, reply)
        if refused is None:
            raise smtplib.SMTPException("aucune méthode de connexion commune avec le serveur (AUTH "
                                        + " ".join(offered) + ")")
        raise refused

    def _close(self) -> None:
        if self._yag is not None:
            self._yag.is_closed = True
            with contextlib.suppress(Exception):
                self._yag.smtp.quit()
            with contextlib.suppress(Exception):
                self._yag.smtp.close()
        self._yag = None

    # --- sending ---------------------------------------------------------------------------------

    def send(self, items: Iterable[Item]) -> Iterator[Outcome]:
        source = iter(items)
        current: Item | None = None  # taken from ``items`` and without an outcome yet
        failures = 0
        answered_421: set[str] = set()  # keys of the messages a 421 answered once in this run
        try:
            while current is not None or (current := next(source, None)) is not None:
                try:
                    if self._yag is None:
                        self._open()
                    smtp = self._yag.smtp
                    smtp.ehlo_or_helo_if_needed()
                    eightbit = smtp.has_extn("8bitmime")
                    while current is not None:
                        outcome = self._send_one(smtp, *current, eightbit)
                        current, failures = None, 0
                        yield outcome
                        current = next(source, None)
                    continue
                except _Retry as exc:
                    failure: Exception = exc
                    if exc.email is not None and current is not None and current[0] is exc.email:
                        if exc.email.key in answered_421:
                            # the same message answered 421 again on a new connection: it waits for the next
                            # run and the others go on (one recipient the server defers blocks nobody else)
                            current = None
                            yield Outcome(exc.email, DEFERRED, str(exc))
                        answered_421.add(exc.email.key)
                except DROPPED as exc:
                    failure = exc
                except _Unreachable as exc:
                    if not self._opened_before:
                        raise
                    failure = exc
                except (smtplib.SMTPException, OSError) as exc:  # anything else the server or the network says
                    raise MailError(f"Le serveur {self.host} a répondu de façon inattendue ({exc}) ; les messages "
                                    "restants partiront au prochain passage.") from exc
                # The connection dropped: reopen it and send again what has no outcome yet.
                self._close()
                failures += 1
                if failures > self.retries:
                    what = (f"Le serveur {self.host} a demandé {failures} fois de suite de réessayer plus tard"
                            if isinstance(failure, _Retry)
                            else f"La connexion au serveur {self.host} a été coupée {failures} fois de suite")
                    raise MailError(f"{what} ({failure}) ; les messages restants partiront au prochain passage.") \
                        from failure
                self.sleep(2 ** (failures - 1))
        finally:
            self._close()

    def _send_one(self, smtp: smtplib.SMTP, email, outgoing, eightbit: bool) -> Outcome:
        """MAIL, RCPT, DATA and the message (``smtplib.sendmail``), each waiting for its answer: the outcome is
        the server's final answer about this message. Its bytes in 8 bits when the server announced 8BITMIME."""
        data = outgoing.data(eightbit)
        try:
            smtp.sendmail(self.sender, [email.recipient], data,
                          mail_options=[] if data.isascii() else ["BODY=8BITMIME"])
            return Outcome(email, SENT)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (550, b""))
            return self._refused(email, code, reply)
        except smtplib.SMTPSenderRefused as exc:
            raise self._sender_refused(exc.smtp_code, exc.smtp_error) from exc
        except smtplib.SMTPDataError as exc:
            return self._refused(email, exc.smtp_code, exc.smtp_error)

    def _refused(self, email, code: int, reply: bytes | str) -> Outcome:
        """A message the server did not take: for good (5xx) or for now (4xx); 421 is the connection closing."""
        answer = _reply(code, reply)
        if code == 421:
            raise _Retry(answer, email)
        if not 400 <= code < 600:
            raise MailError(f"Le serveur {self.host} a répondu de façon inattendue ({answer}) ; les messages "
                            "restants partiront au prochain passage.")
        self._stop_on_quota(answer)
        return Outcome(email, REFUSED if code >= 500 else DEFERRED, answer)

    def _sender_refused(self, code: int, reply: bytes | str) -> Exception:
        """MAIL FROM not taken: the daily quota stops the run; "try later" (4xx) is retried after a pause like a
        dropped connection; only a refusal for good (5xx) is about the sender's address."""
        answer = _reply(code, reply)
        if 400 <= code < 500 and not _QUOTA.search(answer):
            return _Retry(answer)
        return MailError(f"Le serveur {self.host} refuse d'envoyer depuis {self.sender} ({answer}). "
                         + _quota_hint(answer))

    def _stop_on_quota(self, answer: str) -> None:
        if _QUOTA.search(answer) and not _RECIPIENT_STATUS.search(answer):
            raise MailError(f"Le serveur {self.host} n'accepte plus de messages pour l'instant ({answer}). "
                            + _quota_hint(answer))


def _quota_hint(answer: str) -> str:
    if _QUOTA.search(answer):
        return ("La limite d'envoi du compte est sans doute atteinte (Gmail : environ 500 par jour) : les messages "
                "restants partiront au prochain passage ; baissez [mail] max_per_day si cela se répète.")
    return "Vérifiez [mail] sender et [mail] user."
