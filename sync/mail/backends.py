"""The mailer the configuration asks for (``[mail] backend``): the SMTP server or the outbox folder.

Apart from ``mailer.py`` (the seam every mailer implements) so that the mailers import the seam and nothing
imports back: no import cycle in ``sync/mail`` (``tests/test_mail_imports.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..config import Config
from .mailer import Mailer


def open_mailer(config: Config, environ: Mapping[str, str]) -> Mailer:
    """The mailer the configuration asks for (``[mail] backend``)."""
    if config.mail.backend == "smtp":
        from .smtp import SmtpMailer  # yagmail and smtplib only for the runs that send

        return SmtpMailer.from_config(config, environ)
    from .outbox import OutboxMailer

    return OutboxMailer(config.mail.outbox)
