"""A real SMTP server (aiosmtpd, ``tests/fakes/smtp_server.py``) in its own process, for ``run.py``: a mail
server is never in the sender's process, and sharing one would make both wait on each other's turn.

    python benchmarks/smtp_sink.py [--cert CHAIN.pem --key KEY.pem --password SECRET] [--plain] [--delay SECONDS]

Prints the port it listens on (loopback, a free port), then waits for a line on its standard input and
prints what it received as JSON: {"received": N, "connections": N}. It announces PIPELINING and 8BITMIME as
Gmail does; ``--plain``, neither (an older server). ``--delay 0.03``: each answer reaches the client 30 ms after
the server gives it (a real network's round trip; ``tests/fakes/smtp_server.py``).
"""

from __future__ import annotations

import argparse
import json
import logging
import ssl
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from aiosmtpd.smtp import AuthResult
from fakes.smtp_server import Recorder, running


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--password")
    parser.add_argument("--plain", action="store_true", help="announce neither PIPELINING nor 8BITMIME")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds each answer takes to reach the client")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)  # aiosmtpd warns about each login without STARTTLS (it is TLS from the start)
    options: dict = {}
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        options["ssl_context"] = context
    if args.password:
        secret = args.password.encode()

        def login(server, session, envelope, mechanism, auth_data):
            return AuthResult(success=auth_data.password == secret, handled=False)

        # implicit TLS from the first byte: aiosmtpd only counts STARTTLS as TLS, hence auth_require_tls=False
        options.update(authenticator=login, auth_required=True, auth_require_tls=False)
    with running(Recorder(extensions=not args.plain, delay=args.delay), **options) as (controller, server):
        print(controller.port, flush=True)
        sys.stdin.readline()
        print(json.dumps({"received": len(server.received), "connections": server.connections}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
