"""The mailer seam: ``send(items)`` takes (email, outgoing) pairs and yields one outcome per message,
as soon as the server (or the outbox) has it, so that the journal records each send at once. An
``Outgoing`` (``message.py``) is the email sealed at the run's moment: the mailer asks it for its bytes (with
8-bit bodies when the server takes them), written once, lazily.

Three mailers: SMTP through yagmail (``smtp.py``), an outbox folder of ``.eml`` files (``outbox.py``, the
default: nothing leaves the machine), and memory (``memory.py``, for tests); ``backends.open_mailer`` picks
the one the configuration asks for (it imports them; they import this module, never the other way). A mailer
raises ``MailError`` when it cannot go on at all (server unreachable, login refused, quota reached); what it
has not yielded by then is simply still due.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from .message import Email, Outgoing

SENT = "sent"  # the server accepted it
REFUSED = "refused"  # refused for good (an unknown address): journaled, reported, not retried
DEFERRED = "deferred"  # refused for now (4xx): not journaled, due again next run


@dataclass(frozen=True)
class Outcome:
    email: Email
    status: str
    detail: str = ""  # the server's answer when not SENT


Item = tuple[Email, Outgoing]


class Mailer(Protocol):
    def send(self, items: Iterable[Item]) -> Iterator[Outcome]:
        """Send each message to its email's single recipient, yielding an outcome per message."""
        ...

    def describe(self) -> str:
        """Where the messages go, in French, for the job's report."""
        ...
