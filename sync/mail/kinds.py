"""Every email the tool sends: its kind (in keys, file names and templates), who reads it, its
French name (the Journal's « Type » column), whether it is a mass mailing (List-Unsubscribe) and
how urgent it is when a sending limit forces some to wait for the next run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str  # in keys and file names; the template is templates/emails/<audience>/<template>.{html,txt}.j2
    audience: str  # household, producer or coordinator
    label: str  # French, for the Journal and the outbox index
    bulk: bool = False  # announcements and reminders: List-Unsubscribe, and they wait first
    priority: int = 50  # lower goes first when limits postpone some
    template_name: str = ""  # when it is not ``name`` (producer/recap.html.j2 for "producer_recap")

    @property
    def template(self) -> str:
        return self.template_name or self.name


HOUSEHOLD, PRODUCER, COORDINATOR = "household", "producer", "coordinator"

ORDERS_OPEN = Kind("orders_open", HOUSEHOLD, "Ouverture des commandes", bulk=True, priority=80)
CONFIRMATION = Kind("confirmation", HOUSEHOLD, "Confirmation de commande", priority=10)
MODIFIED = Kind("modified", HOUSEHOLD, "Commande modifiée", priority=10)
CANCELLED = Kind("cancelled", HOUSEHOLD, "Commande annulée", priority=10)
CUT = Kind("cut", HOUSEHOLD, "Quantité réduite (stock)", priority=10)
CLOSING_REMINDER = Kind("closing_reminder", HOUSEHOLD, "Rappel avant clôture", bulk=True, priority=70)
PICKUP_REMINDER = Kind("pickup_reminder", HOUSEHOLD, "Rappel de distribution", priority=30)
FINAL_AMOUNTS = Kind("final_amounts", HOUSEHOLD, "Montants définitifs", priority=40)
PRODUCER_ORDERS = Kind("producer_orders", PRODUCER, "Commandes du producteur", priority=20)
LATE_CHANGE = Kind("late_change", PRODUCER, "Changement après clôture", priority=20)
CLOSING_SUMMARY = Kind("closing_summary", COORDINATOR, "Bilan de clôture", priority=20)
ANOMALIES = Kind("anomalies", COORDINATOR, "Anomalies à corriger", priority=60)
# Written by people in the Messages tab (sync/messages.py), to households and producers alike (the templates live
# with the households'), and a change of a sale's date, hours or place after its announcement (cycle.change_drafts).
MESSAGE = Kind("message", HOUSEHOLD, "Message", bulk=True, priority=65)
CHANGE = Kind("change", HOUSEHOLD, "Changement de distribution", priority=15)
# After the distribution: never urgent, they wait behind everything but the announcements.
PRODUCER_RECAP = Kind("producer_recap", PRODUCER, "Récapitulatif du producteur", priority=75, template_name="recap")
COORDINATOR_RECAP = Kind("coordinator_recap", COORDINATOR, "Récapitulatif du groupe", priority=75,
                         template_name="recap")

KINDS: dict[str, Kind] = {k.name: k for k in (
    ORDERS_OPEN, CONFIRMATION, MODIFIED, CANCELLED, CUT, CLOSING_REMINDER, PICKUP_REMINDER, FINAL_AMOUNTS,
    PRODUCER_ORDERS, LATE_CHANGE, CLOSING_SUMMARY, ANOMALIES, PRODUCER_RECAP, COORDINATOR_RECAP, MESSAGE, CHANGE,
)}
ORDER_KINDS = frozenset({CONFIRMATION.name, MODIFIED.name, CANCELLED.name, CUT.name})


def kind(name: str) -> Kind:
    return KINDS[name]


def label(name: str) -> str:
    found = KINDS.get(name)
    return found.label if found else name
