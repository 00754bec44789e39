"""Bounded retries for Google's APIs: exponential back-off with jitter, ``Retry-After`` honoured.

Google asks clients to retry 429 (quota), 500, 502, 503 and 504 and dropped connections with an
exponential back-off. gspread's own ``BackOffHTTPClient`` never gives up and ignores ``Retry-After``
(see the tech notes), so this is ours: a handful of attempts, then the caller turns ``GaveUp`` into a
French message that says what Google answered. The sleep and the jitter are injectable so that tests
never wait (``tests/test_google_store.py::test_retry_after_is_honoured``).

Used by the Google Sheets store and meant for any other Google API call (the Forms API).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import requests

T = TypeVar("T")

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
_RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"}


@dataclass(frozen=True)
class Failure:
    """One failed attempt that is worth retrying."""

    status: int | None  # the HTTP status, None when no answer came back
    message: str  # what Google said, or what went wrong with the connection
    retry_after: float | None = None  # seconds Google asked us to wait
    sent: bool = True  # the request may have reached Google (a write may have been applied)

    def french(self) -> str:
        """What happened, in French, for the coordinator."""
        if self.status is None:
            return f"la connexion à Google a échoué ({self.message})"
        if self.status == 429 or self.status == 403:
            return f"Google limite le nombre de requêtes (quota dépassé ; réponse {self.status} : « {self.message} »)"
        return f"Google a répondu {self.status} (« {self.message} »)"


class GaveUp(Exception):
    """Every attempt failed (or Google asked to wait too long): ``failure`` is the last one."""

    def __init__(self, failure: Failure, attempts: int, waited: float, too_long: float | None = None):
        self.failure = failure
        self.attempts = attempts
        self.waited = waited
        self.too_long = too_long
        super().__init__(self.french())

    def french(self) -> str:
        if self.too_long is not None:
            return (f"{self.failure.french()} ; Google demande d'attendre {self.too_long:.0f} s avant de réessayer, "
                    "c'est trop long pour ce lancement")
        tries = "au premier essai" if self.attempts == 1 else f"à chacun des {self.attempts} essais"
        return f"{self.failure.french()}, {tries} (en {self.waited:.0f} s)"


@dataclass
class Backoff:
    """How many attempts, how long between them, and how to wait (injectable for tests)."""

    attempts: int = 5
    base: float = 1.0  # seconds before the second attempt; doubled each time
    cap: float = 32.0  # never wait longer than this between two attempts (unless Google asks)
    max_retry_after: float = 120.0  # a longer Retry-After gives up at once: the next cron run will do
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int, failure: Failure) -> float:
        """The wait after failed attempt number ``attempt`` (1-based)."""
        if failure.retry_after is not None:
            return max(0.0, failure.retry_after)
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        return ceiling * (0.5 + self.random() / 2)  # "equal jitter": spreads clients, keeps a floor


def failure_of(exc: BaseException) -> Failure | None:
    """The retryable failure ``exc`` stands for, or None when retrying cannot help."""
    from google.auth.exceptions import TransportError
    from gspread.exceptions import APIError

    if isinstance(exc, APIError):
        status = exc.response.status_code if exc.response is not None else exc.code
        error = exc.error if isinstance(exc.error, dict) else {}
        message = str(error.get("message") or exc.response.reason or "")
        retryable = status in RETRYABLE_STATUS or (status == 403 and _is_rate_limit(error))
        if not retryable:
            return None
        return Failure(status, message, retry_after(exc.response), sent=status not in (429, 403))
    if isinstance(exc, requests.exceptions.HTTPError) and exc.response is not None:  # raise_for_status()
        response = exc.response
        try:
            error = response.json().get("error", {})
        except ValueError:
            error = {}
        error = error if isinstance(error, dict) else {}
        status = response.status_code
        if status not in RETRYABLE_STATUS and not (status == 403 and _is_rate_limit(error)):
            return None
        message = str(error.get("message") or response.reason or "")
        return Failure(status, message, retry_after(response), sent=status not in (429, 403))
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Failure(None, "délai de connexion dépassé", sent=False)
    if isinstance(exc, requests.exceptions.Timeout):
        return Failure(None, "Google n'a pas répondu à temps", sent=True)
    if isinstance(exc, requests.exceptions.ConnectionError):
        return Failure(None, _short(exc), sent=not _before_sending(exc))
    if isinstance(exc, TransportError):  # google-auth could not reach its token endpoint
        return Failure(None, _short(exc), sent=False)
    return None


def call(
    attempt: Callable[[], T],
    backoff: Backoff,
    *,
    before_retry: Callable[[Failure], Any] | None = None,
) -> T | None:
    """Run ``attempt`` until it succeeds, retrying retryable failures with back-off.

    ``before_retry(failure)`` runs after each wait, before the next attempt; if it returns True the
    work is known to be done already (a write whose answer was lost) and ``call`` returns None.
    Non-retryable exceptions propagate unchanged; when attempts run out, ``GaveUp`` is raised.
    """
    waited = 0.0
    for number in range(1, backoff.attempts + 1):
        try:
            return attempt()
        except Exception as exc:
            failure = failure_of(exc)
            if failure is None:
                raise
            if number == backoff.attempts:
                raise GaveUp(failure, number, waited) from exc
            wait = backoff.delay(number, failure)
            if wait > backoff.max_retry_after:
                raise GaveUp(failure, number, waited, too_long=wait) from exc
            backoff.sleep(wait)
            waited += wait
            if before_retry is not None and before_retry(failure) is True:
                return None
    raise AssertionError("unreachable: attempts must be at least 1")  # pragma: no cover


def retry_after(response: requests.Response | None) -> float | None:
    """The ``Retry-After`` header in seconds (a number of seconds or an HTTP date), if any."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import datetime

    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _is_rate_limit(error: dict) -> bool:
    if error.get("status") == "RESOURCE_EXHAUSTED":
        return True
    reasons = {e.get("reason") for e in error.get("errors", []) if isinstance(e, dict)}
    reasons |= {d.get("reason") for d in error.get("details", []) if isinstance(d, dict)}
    return bool(reasons & _RATE_LIMIT_REASONS)


def _before_sending(exc: requests.exceptions.ConnectionError) -> bool:
    """Whether the connection failed before the request left (nothing can have been applied)."""
    from urllib3.exceptions import NameResolutionError, NewConnectionError

    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (NewConnectionError, NameResolutionError)):
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException) and id(reason) not in seen:
            current = reason
            continue
        args = [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
        current = args[0] if args else (current.__cause__ or current.__context__)
    return False


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "…"
