"""``paniers status``: where each sale stands, and what happens next, when."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from .. import cycle, schedule, snapshot
from ..config import resolve
from ..errors import UsageError
from ..french import plural
from ..mail import compose, kinds
from ..mail.journal import Journal
from ..orderbook import CANCELLED
from ..refresh import refresh
from ..sheet import JOURNAL
from ..values import long_datetime, money
from . import Context


def run(ctx: Context, sale: str | None = None) -> int:
    config, now = ctx.config, ctx.now
    snap = snapshot.read(ctx.store, config)
    result = refresh(snap, config, now)
    catalogue, book = result.catalogue, result.book
    if sale and catalogue.sale(sale) is None:
        raise UsageError(f"la vente « {sale} » n'existe pas dans l'onglet Ventes.")
    journal = Journal.load(snap.grid(JOURNAL), resolve(config, config.mail.journal_wal), config.tz)
    due = cycle.plan(result, journal, compose.Letterhead.from_config(config), sale, attach=False)
    pending = Counter((e.sale, kinds.label_of(e)) for e in {e.key: e for e in due.emails}.values()
                      if e.key not in journal)
    names = dict(zip(catalogue.producers["code"], catalogue.producers["name"], strict=True))
    ctx.say(f"État au {now:%d/%m/%Y à %H:%M} ({ctx.store.describe()}).")
    if catalogue.sales.empty:
        ctx.say("Aucune vente dans l'onglet Ventes : ajoutez-en une (Code, Ouverture, Clôture, Distribution, Lieu).")
    for _, row in catalogue.sales.sort_values("opens").iterrows():
        code = row["code"]
        if sale and code != sale:
            continue
        phase = schedule.phase(row, now)
        if not sale and phase == schedule.DISTRIBUTED and not schedule.active(row, now, config.schedule):
            continue
        ctx.say("")
        ctx.say(f"Vente {code} — {row['title']} : {phase}")
        ctx.say(f"  Commandes du {long_datetime(row['opens'])} au {long_datetime(row['closes'])} ; "
                f"distribution le {long_datetime(row['distribution'])}, {row['place']}.")
        households = book.households[book.households["sale"] == code]
        active = households[households["status"] != CANCELLED]
        lines = book.lines[(book.lines["sale"] == code) & (book.lines["allocated"].map(int) > 0)]
        total = sum(lines["amount"], Decimal("0.00"))
        cancelled = len(households) - len(active)
        if active.empty and not cancelled:
            ctx.say("  Aucune commande pour l'instant.")
        else:
            ctx.say(f"  {plural(len(active), 'commande')}"
                    + (f", {plural(cancelled, 'annulée')}" if cancelled else "")
                    + f", {plural(lines['product'].nunique(), 'produit')}, {money(total)}"
                    + (" (estimation pour les produits au poids)" if lines["estimated"].astype(bool).any() else "")
                    + ".")
        for producer, group in sorted(lines.groupby("producer"), key=lambda item: names.get(item[0], item[0])):
            ctx.say(f"    {names.get(producer, producer)} : {plural(group['email'].nunique(), 'foyer')}, "
                    f"{money(sum(group['amount'], Decimal('0.00')))}")
        sent = Counter(e.label for e in journal.entries if e.sale == code and not e.refused)
        if sent:
            done = ", ".join(f"{label} ({count})" for label, count in sorted(sent.items()))
            ctx.say(f"  Déjà envoyés : {done}.")
        waiting = {label: count for (s, label), count in pending.items() if s == code}
        if waiting:
            ctx.say("  À envoyer au prochain passage : "
                    + ", ".join(f"{label} ({count})" for label, count in sorted(waiting.items())) + ".")
        upcoming = schedule.next_steps(row, now, config.schedule)
        if upcoming:
            ctx.say("  Prochaines étapes :")
            for step in upcoming:
                ctx.say(f"    - {long_datetime(step.at)} : {step.label}")
    for note in due.notes:
        ctx.say(f"! {note}")
    return 0
