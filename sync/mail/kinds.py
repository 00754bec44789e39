"""Every email the tool sends: its kind (in keys, file names and templates), who reads it, its
French name (the Journal's « Type » column), whether it is a mass mailing (List-Unsubscribe) and
how urgent it is when a sending limit forces some to wait for the next run.

One kind may cover emails that say different things: a "cut" email says either that a product is short
(« Quantité réduite ») or, the stock come back, that the order is complete again; a "change" email says what
changed (date, hours, place). The email then carries a *variant* (``Email.variant``, ``Draft.variant``, the
``X-Paniers-Variant`` header of its .eml) and ``label(kind, variant)`` names what it says: in tick's report,
``status``, the Journal's « Type » column and the outbox and preview indexes. The variant is never part of the
email's key: an email already sent is never sent again because its label changed."""

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
    variants: tuple[tuple[str, str], ...] = ()  # (variant, its French label) when one kind says different things

    @property
    def template(self) -> str:
        return self.template_name or self.name

    def label_of(self, variant: str = "") -> str:
        """The French name of an email of this kind that says ``variant``: a known variant's own label, else the
        kind's label with the variant's words (« Changement de distribution (date, lieu) »)."""
        if not variant:
            return self.label
        for name, text in self.variants:
            if name == variant:
                return text
        return f"{self.label} ({variant.replace(VARIANT_SEPARATOR, ', ')})"



HOUSEHOLD, PRODUCER, COORDINATOR = "household", "producer", "coordinator"
VARIANT_SEPARATOR = "+"  # a variant of several words: "date+lieu"
VARIANT_HEADER = "X-Paniers-Variant"  # the variant in the email's headers: the outbox index reads it back
COMPLETE = "complete"  # the "cut" email that says the order is complete again (the stock came back)

ORDERS_OPEN = Kind("orders_open", HOUSEHOLD, "Ouverture des commandes", bulk=True, priority=80)
CONFIRMATION = Kind("confirmation", HOUSEHOLD, "Confirmation de commande", priority=10)
MODIFIED = Kind("modified", HOUSEHOLD, "Commande modifiée", priority=10)
CANCELLED = Kind("cancelled", HOUSEHOLD, "Commande annulée", priority=10)
CUT = Kind("cut", HOUSEHOLD, "Quantité réduite (stock)", priority=10,
           variants=((COMPLETE, "Commande complète (stock revenu)"),))
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


def priority(name: str) -> int:
    """How urgent an email of kind ``name`` is (lower goes first): the order ``send.plan`` sends in and ``preview``
    and the run's report list in (50 for an unknown kind)."""
    found = KINDS.get(name)
    return found.priority if found else 50


def label(name: str, variant: str = "") -> str:
    """The French name of an email of kind ``name`` saying ``variant`` (the name itself for an unknown kind)."""
    found = KINDS.get(name)
    return found.label_of(variant) if found else name


def label_of(email) -> str:
    """The French name of what an email (an ``Email``, a ``Draft`` or a Journal ``Entry``) says."""
    return label(email.kind, getattr(email, "variant", "") or "")


def variant_from_label(name: str, text: str) -> str:
    """The variant a label written in the Journal's « Type » column names (rows written before variants existed,
    or of the kind's plain label, give ""): what ``label(name, variant)`` wrote."""
    found = KINDS.get(name)
    text = text.strip()
    if found is None or not text or text == found.label:
        return ""
    for variant, own in found.variants:
        if own == text:
            return variant
    prefix = found.label + " ("
    if text.startswith(prefix) and text.endswith(")"):
        return text[len(prefix):-1].replace(", ", VARIANT_SEPARATOR)
    return ""
