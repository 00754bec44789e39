"""Sending through an SMTP server with yagmail's logged-in connection: one connection per run.

yagmail's own ``send()`` opens a new connection for every message, builds a fake text part and
attaches any content string that names an existing file (``tech-notes.md``). So it is used only to
connect and log in; each message is a standard-library ``EmailMessage`` handed to the logged-in
connection (``yag.smtp.send_message``). The password comes from the environment variable named by
``[mail] password_env``, never from a keyring or a prompt (cron has no one to answer it).

A refused recipient (550) becomes an outcome and the others go on; a dropped connection is
reopened and the message retried, a few times with a pause; a server that says the daily quota is
reached stops the run, and what was not sent is simply still due next time.
"""

from __future__ import annotations

import contextlib
import json
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import yagmail

from ..config import Config, secret_from_env
from ..errors import ConfigError, MailError
from .mailer import DEFERRED, REFUSED, SENT, Item, Outcome

OAUTH2_KEYS = ("google_client_id", "google_client_secret", "google_refresh_token")
_QUOTA = re.compile(r"quota|limit|5\.4\.5", re.IGNORECASE)
DROPPED = (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError)


class _Unreachable(MailError):
    """The server could not be reached (a reconnection may still succeed after a pause)."""


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {' '.join(text.split())}".strip()


def read_oauth2_file(path: Path) -> dict:
    """The token file yagmail writes after a one-time authorisation; never prompt for one in a run."""
    how = ("créez-le une fois, dans un terminal, avec : python -c \"import yagmail; "
           f"yagmail.SMTP('votre.adresse@gmail.com', oauth2_file='{path}')\" (voir docs/emails.md)")
    if not path.is_file():
        raise ConfigError(f"[mail] oauth2_file : le fichier {path} est introuvable ; {how}.")
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
                # Without a password yagmail would ask a keyring, then the keyboard: never in a run.
                smtp_skip_login=self.password is None and self.oauth2 is None,
                oauth2_file=str(self.oauth2_file) if self.oauth2 is not None else None,
                soft_email_validation=False, **options,
            )
            self._yag.set_logging(None)
            if self.oauth2 is not None:
                self._login_oauth2()
            else:
                self._yag.login()
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
        try:
            for email, message in items:
                yield self._send_one(email, message)
        finally:
            self._close()

    def _send_one(self, email, message) -> Outcome:
        failures = 0
        while True:
            try:
                if self._yag is None:
                    self._open()
                self._yag.smtp.send_message(message, from_addr=self.sender, to_addrs=[email.recipient])
                return Outcome(email, SENT)
            except smtplib.SMTPRecipientsRefused as exc:
                code, reply = next(iter(exc.recipients.values()), (550, b""))
                answer = _reply(code, reply)
                if code == 421:
                    failure = exc
                else:
                    self._stop_on_quota(answer)
                    return Outcome(email, REFUSED if code >= 500 else DEFERRED, answer)
            except smtplib.SMTPSenderRefused as exc:
                answer = _reply(exc.smtp_code, exc.smtp_error)
                raise MailError(f"Le serveur {self.host} refuse d'envoyer depuis {self.sender} ({answer}). "
                                + _quota_hint(answer)) from exc
            except smtplib.SMTPDataError as exc:
                answer = _reply(exc.smtp_code, exc.smtp_error)
                if exc.smtp_code == 421:
                    failure = exc
                else:
                    self._stop_on_quota(answer)
                    return Outcome(email, REFUSED if exc.smtp_code >= 500 else DEFERRED, answer)
            except DROPPED as exc:
                failure = exc
            except _Unreachable as exc:
                if not self._opened_before:
                    raise
                failure = exc
            except (smtplib.SMTPException, OSError) as exc:  # anything else the server or the network says
                raise MailError(f"Le serveur {self.host} a répondu de façon inattendue ({exc}) ; les messages "
                                "restants partiront au prochain passage.") from exc
            # The connection dropped: reopen it and try the same message again.
            self._close()
            failures += 1
            if failures > self.retries:
                raise MailError(f"La connexion au serveur {self.host} a été coupée {failures} fois de suite "
                                f"({failure}) ; les messages restants partiront au prochain passage.") from failure
            self.sleep(2 ** (failures - 1))

    def _stop_on_quota(self, answer: str) -> None:
        if _QUOTA.search(answer):
            raise MailError(f"Le serveur {self.host} n'accepte plus de messages pour l'instant ({answer}). "
                            + _quota_hint(answer))


def _quota_hint(answer: str) -> str:
    if _QUOTA.search(answer):
        return ("La limite d'envoi du compte est sans doute atteinte (Gmail : environ 500 par jour) : les messages "
                "restants partiront au prochain passage ; baissez [mail] max_per_day si cela se répète.")
    return "Vérifiez [mail] sender et [mail] user."
