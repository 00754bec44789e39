"""A real SMTP server (aiosmtpd) on loopback, on a free port picked at run time, that records what
it receives, counts connections, and can refuse a recipient or drop the connection after k messages.

By default it announces what Gmail announces that matters to a sender: PIPELINING (aiosmtpd reads
pipelined commands in order but does not say so) and 8BITMIME. ``Recorder(extensions=False)`` is an
older server with neither: the mailer then waits for each answer and encodes bodies in quoted-printable."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import socket
import threading
from dataclasses import dataclass

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    connection: int  # which connection brought it (1, 2, …)
    mail_options: tuple[str, ...] = ()  # MAIL FROM's parameters (BODY=8BITMIME…)

    @property
    def message(self):
        return email.message_from_bytes(self.raw, policy=email.policy.default)


class Recorder:
    """The handler: keeps every accepted message; ``refuse`` addresses get a 550 at RCPT; with
    ``drop_after`` set, a connection is cut when it tries to send one more message than that."""

    def __init__(self, refuse=(), drop_after: int | None = None, extensions: bool = True, delay: float = 0.0):
        self.extensions = extensions  # announce PIPELINING and 8BITMIME, as Gmail does
        self.delay = delay  # seconds each answer takes to reach the client (a network's round trip), see _delayed
        self.received: list[Received] = []
        self.refuse = {a.lower() for a in refuse}
        self.drop_after = drop_after
        self.connections = 0
        self.logins: list[str] = []
        self._per_connection: dict[int, int] = {}
        self._lock = threading.Lock()

    def connected(self) -> int:
        with self._lock:
            self.connections += 1
            return self.connections

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname  # this hook's duty in aiosmtpd >= 1.3
        if not self.extensions:
            return [r for r in responses if "8BITMIME" not in r]
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        number = session.paniers_connection
        if self.drop_after is not None and self._per_connection.get(number, 0) >= self.drop_after:
            server.transport.close()  # the connection drops, no answer
            return "421 4.4.2 connexion coupée (test)"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        number = session.paniers_connection
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content
                                          or envelope.content, number, tuple(envelope.mail_options)))
            self._per_connection[number] = self._per_connection.get(number, 0) + 1
        return "250 2.0.0 Message accepted"

    def messages(self):
        return [r.message for r in self.received]


class CountingController(Controller):
    """Numbers each connection (the factory builds one SMTP protocol per connection)."""

    def factory(self):
        server = super().factory()
        number = self.handler.connected()
        original = server._create_session

        def create_session():
            session = original()
            session.paniers_connection = number
            return session

        server._create_session = create_session
        if self.handler.delay:
            _delayed(server, self.handler.delay)
        return server

    def stop(self, no_assert: bool = False):
        """Idempotent: a test may stop the server early (it "went away"), the fixture stops it again."""
        if getattr(self, "_stopped", False):
            return
        self._stopped = True
        super().stop(no_assert)


def _delayed(server, delay: float) -> None:
    """Each answer reaches the client ``delay`` seconds after the server gives it, in order, while the server
    goes on reading: what a network's round trip does (the server is not slower, its answers are farther). A
    sleep in the server would instead make it answer pipelined commands one after the other, slower."""
    last = 0.0

    async def push(status):
        nonlocal last
        loop = asyncio.get_running_loop()
        data = (status.encode("ascii") if isinstance(status, str) else status) + b"\r\n"
        last = max(loop.time() + delay, last + 1e-6)  # strictly later than the previous answer: kept in order

        def write():
            if server.transport is not None and not server.transport.is_closing():
                server._writer.write(data)

        loop.call_at(last, write)

    server.push = push


@contextlib.contextmanager
def running(handler: Recorder | None = None, port: int | None = None, **smtp_options):
    """Start the server; yields (controller, handler). The readiness probe's connection is not counted."""
    handler = handler or Recorder()
    controller = CountingController(handler, hostname="127.0.0.1", port=port or free_port(), **smtp_options)
    controller.start()
    handler.connections = 0
    try:
        yield controller, handler
    finally:
        controller.stop()
