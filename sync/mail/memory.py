"""A mailer that keeps messages in memory (tests, and trying the pipeline without any server)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .mailer import REFUSED, SENT, Item, Outcome


class MemoryMailer:
    def __init__(self, refuse: Iterable[str] = ()):
        self.sent: list[Item] = []
        self.refuse = {address.lower() for address in refuse}
        self.runs = 0  # how many times send() was called (one connection each, for a real server)

    def send(self, items: Iterable[Item]) -> Iterator[Outcome]:
        self.runs += 1
        for email, message in items:
            if email.recipient.lower() in self.refuse:
                yield Outcome(email, REFUSED, "550 5.1.1 adresse inconnue (simulée)")
                continue
            self.sent.append((email, message))
            yield Outcome(email, SENT)

    def describe(self) -> str:
        return "la mémoire (aucun envoi réel)"

    @property
    def messages(self):
        """The standard-library messages parsed from what was sent."""
        return [outgoing.message for _, outgoing in self.sent]
