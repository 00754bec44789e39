"""Two schedulers on one Google Sheet: the second one is detected and stops before sending anything.

The journal keeps a run from sending what another run already sent, but only once it is in the sheet: two
schedulers ticking at the same minute on two machines (cron on a laptop left running after the move to
GitHub Actions, say) read the same journal and would both send everything due. The run lock
(``runlock.py``) only covers one machine.

So a tick that is about to send claims the sheet: it writes its machine's claim (who, when) into the
spreadsheet's developer metadata, out of people's sight, waits a few seconds, reads every claim back, and goes
on only if no other machine claimed the sheet before it in the last ``WINDOW``. Two claims of the same moment
are ordered by machine: exactly one of two simultaneous runs goes on. A run that stops withdraws its claim (so
it never stops the machine that does send), and says which machine sends and how to stop one of the two.
Ticks with nothing to send claim nothing (they stay read-only).

This module is pure: which machine this is (``this_machine``), what a claim holds, and who wins
(``rival``); ``GoogleSheetsStore.claim`` writes and reads the claims.
"""

from __future__ import annotations

import hashlib
import json
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

KEY = "paniers.passage"
WINDOW = timedelta(minutes=30)  # a claim this recent means that machine is sending, or has just sent
SETTLE = 5.0  # seconds between writing a claim and reading them all back: a claim written by another run at
# the same moment lands within them (a request takes well under a second)


@dataclass(frozen=True)
class Claim:
    machine: str  # a stable identifier of the scheduler (see ``this_machine``)
    label: str  # what a person recognises: the host name, or « GitHub Actions owner/repo »
    at: datetime  # when it claimed the sheet (aware)
    withdrawn: bool = False  # it lost to another machine's claim and sent nothing: it stops nobody

    def to_json(self) -> str:
        return json.dumps({"machine": self.machine, "label": self.label, "at": self.at.isoformat(),
                           "withdrawn": self.withdrawn}, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Claim | None:
        try:
            data = json.loads(text)
            return cls(str(data["machine"]), str(data["label"]), datetime.fromisoformat(data["at"]),
                       bool(data.get("withdrawn", False)))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


def this_machine(environ: dict[str, str], config_dir) -> tuple[str, str]:
    """(identifier, label) of the scheduler running this process: ``PANIERS_MACHINE`` when set (a container
    whose host name changes at each start), the repository and workflow on GitHub Actions (every run is a new
    virtual machine, the same scheduler), else the host name and the configuration's folder."""
    if environ.get("PANIERS_MACHINE"):
        name = environ["PANIERS_MACHINE"]
        return _digest(name), name
    if environ.get("GITHUB_ACTIONS") == "true":
        repository = environ.get("GITHUB_REPOSITORY", "")
        return _digest(f"github:{repository}:{environ.get('GITHUB_WORKFLOW', '')}"), f"GitHub Actions {repository}"
    host = socket.gethostname()
    return _digest(f"{host}:{config_dir}"), host


def metadata_id(machine: str) -> int:
    """A developer-metadata id for this machine's claim (the same every run, a positive int32)."""
    return int(machine[:8], 16) & 0x7FFFFFFF or 1


def rival(claims: list[Claim], mine: Claim, window: timedelta = WINDOW) -> Claim | None:
    """Another machine's claim that goes before ``mine``: made within ``window`` before it, or at the same
    moment by a machine that sorts first. None: this run may send."""
    before = [c for c in claims if c.machine != mine.machine and not c.withdrawn
              and timedelta(0) <= mine.at - c.at <= window
              and (c.at, c.machine) < (mine.at, mine.machine)]
    return min(before, key=lambda c: (c.at, c.machine)) if before else None


def french(other: Claim, tz) -> str:
    moment = other.at.astimezone(tz)
    return (f"un autre ordinateur (« {other.label} ») envoie déjà les e-mails de ce Google Sheet : il l'a fait le "
            f"{moment:%d/%m/%Y à %H:%M}. Deux programmations enverraient chaque e-mail deux fois ; celle-ci s'arrête "
            "sans rien envoyer. Gardez-en une seule : arrêtez l'autre (sa crontab, son minuteur systemd ou le "
            "workflow GitHub Actions), ou, si c'est l'ancienne installation, attendez 30 minutes après son dernier "
            "passage.")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


__all__ = ["KEY", "SETTLE", "WINDOW", "Claim", "french", "metadata_id", "rival", "this_machine"]
