"""``paniers demo``: a fictional group in a folder of its own, and a whole sale played on it, with no account.

The demo builds the group's workbook (``sync/demo.py``), then replays the December sale with ``now``
stepping from the opening to after the distribution: the announcement, orders arriving (their form
timestamps are in the workbook; each tick only sees those already sent at its ``now``), a household
changing its order, the veal boxes running out, the reminder before closing, the closing with each
producer's list, the coordinator taking a late order by phone, the pickup reminder, and the weights
entered after the distribution. Everything goes to the local workbook and the outbox folder.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
import tempfile
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from .. import config as config_module
from .. import demo as demo_data
from .. import sheet, snapshot
from ..errors import UsageError
from ..households import reachable
from ..mail import kinds
from ..problems import summary
from ..refresh import refresh
from ..stores.base import Append, Changes
from ..stores.local import LocalWorkbookStore
from . import Context, init, tick
from . import lists as lists_command

MARK = "# A demo group, made by `paniers demo`"
DEMO_CONFIG = f"""\
{MARK}: everything in this folder is fictional.
[group]
name = "Les Paniers du Boischaut (démo)"
coordinator_email = "animation@example.org"
timezone = "Europe/Paris"

[store]
backend = "local"
path = "paniers.xlsx"

[mail]
backend = "outbox"
outbox = "outbox"
sender = "paniers@example.org"

[site]
folder = "site"
title = "Les Paniers du Boischaut (démo)"
presentation = "Chaque mois, huit fermes du Boischaut Nord vous proposent leurs produits : pain, légumes, \
fromages de chèvre, viande, œufs, miel, bière et jus de pomme. Vous commandez en ligne, produit par produit, \
et vous venez chercher vos produits à la distribution, à Valençay.\\n\\nLes producteurs sont présents à chaque \
distribution : c'est l'occasion de parler de leur travail, des recettes et de la saison."
"""
SALE = "2026-12"
MADE_BY_DEMO = ("site", "paniers.xlsx", "paniers.sauvegarde.xlsx",
                "outbox", "listes", "apercu", "journal-envois.jsonl",
                ".paniers.lock", "config.toml")


def moments(tz) -> list[tuple[datetime, str]]:
    """When the demo ticks: twice a day through the December sale, and at the moments that matter."""
    start = datetime(2026, 11, 30, 8, 0, tzinfo=tz)
    steps = {start + timedelta(days=i): "" for i in range(13)}  # each morning (cron would run every 10 min)
    steps[datetime(2026, 11, 30, 8, 0, tzinfo=tz)] = "ouverture des commandes"
    steps[datetime(2026, 12, 9, 8, 0, tzinfo=tz)] = "un message de l'onglet Messages aux foyers de la vente"
    steps[datetime(2026, 12, 8, 20, 0, tzinfo=tz)] = "deux jours avant la clôture"
    steps[datetime(2026, 12, 10, 20, 0, tzinfo=tz)] = "clôture"
    steps[datetime(2026, 12, 11, 9, 0, tzinfo=tz)] = "la coordinatrice accepte une commande arrivée en retard"
    steps[datetime(2026, 12, 11, 19, 0, tzinfo=tz)] = "fin de la distribution"
    steps[datetime(2026, 12, 12, 10, 0, tzinfo=tz)] = "la Ferme des Trois Chênes a saisi ses pesées"
    return sorted(steps.items())


def prepare(folder: Path) -> Path:
    """An empty folder for the demo; a previous demo in it is replaced, anything else is refused."""
    config_path = folder / "config.toml"
    if config_path.exists():
        if not config_path.read_text(encoding="utf-8").startswith(MARK):
            raise UsageError(f"le dossier {folder} contient déjà une configuration qui n'est pas celle de la "
                             "démonstration : choisissez un autre dossier (--out).")
        for name in MADE_BY_DEMO:
            path = folder / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    config_path.write_text(DEMO_CONFIG, encoding="utf-8")
    return config_path


def run(ctx: Context, out: Path | None = None) -> int:
    """Build the demo group in ``out`` (a new temporary folder by default) and play the December sale."""
    # resolved: the paths it prints all read the same way (the config's are whole), usable from any folder
    folder = (Path(out) if out else Path(tempfile.mkdtemp(prefix="paniers-demo-"))).resolve()
    # fictional on purpose, example.org addresses included: not example values someone forgot to replace
    # (``config.example_values`` looks only at a configuration read from a file a person edits)
    config = dataclasses.replace(config_module.load(prepare(folder)), source=None)
    store = LocalWorkbookStore(config.store.path)
    quiet = Context(config, store, ctx.now, lambda _text: None, ctx.environ)
    ctx.say(f"Groupe de démonstration (fictif) dans {folder}")
    init.run(quiet, demo=True)
    _describe_producers(store)
    ctx.say("")
    ctx.say(f"La vente de décembre ({SALE}), rejouée pas à pas :")
    totals: Counter[str] = Counter()
    for moment, event in moments(config.tz):
        if moment == datetime(2026, 12, 11, 9, 0, tzinfo=config.tz):
            _take_late_order(store)
        if moment == datetime(2026, 12, 12, 10, 0, tzinfo=config.tz):
            _enter_weights(store, config, moment)
        step = Context(config, store, moment, lambda _text: None, ctx.environ)
        outcome = tick.once(step)
        sent = Counter(f"{kinds.label_of(e)}{f' {e.sale}' if e.sale and e.sale != SALE else ''}"
                       for e in outcome.sent)
        totals.update(sent)
        if sent or event:
            what = ", ".join(f"{label} ({count})" for label, count in sorted(sent.items())) or "rien à envoyer"
            ctx.say(f"  {moment:%d/%m %H:%M}  " + (f"{event} — " if event else "") + what)
    ctx.say(f"En tout : {sum(totals.values())} e-mails écrits dans la boîte d'envoi.")
    ctx.say("")
    final = Context(config, store, datetime(2026, 12, 12, 10, 5, tzinfo=config.tz), lambda _text: None, ctx.environ)
    lists_command.run(final, SALE, folder / "listes" / SALE)
    result = refresh(snapshot.read(store, config), config, final.now)
    ctx.say(f"Anomalies : {summary(result.problems_for(SALE))} dans la vente {SALE}, voulues pour la démonstration "
            "(une quantité écrite « deux », des colis de veau épuisés ; la commande arrivée après la clôture, "
            "acceptée ensuite, n'y est plus) : "
            "voir l'onglet « Anomalies ».")
    without = [h.name for h in result.book.households.itertuples() if h.sale == SALE and not reachable(h.email)]
    if without:
        ctx.say("Sans e-mail (commande par téléphone ; aucun e-mail ne lui est envoyé, son récapitulatif est "
                "imprimé) : "
                f"{', '.join(without)} ; voir l'onglet « Émargement » et les documents à imprimer.")
    ctx.say("")
    ctx.say("Où regarder :")
    ctx.say(f"  - les e-mails : {config.mail.outbox / 'index.html'} (à ouvrir dans un navigateur)")
    ctx.say(f"  - le classeur : {config.store.path} (onglets Commandes, Par producteur, Émargement, Bilan, Journal…)")
    ctx.say(f"  - les documents à imprimer : {folder / 'listes' / SALE}")
    ctx.say(f"  - le site du groupe (tenu à jour par chaque passage) : {folder / 'site' / 'index.html'} "
            "(à ouvrir dans un navigateur)")
    ctx.say(f"Pour continuer avec ce groupe : paniers --config {folder / 'config.toml'} status "
            '--now "2026-12-12 10:05"')
    return 0


def _describe_producers(store: LocalWorkbookStore) -> None:
    """The columns the public site uses (Commune, Description, Site web), added to Producteurs as a coordinator
    would add them: at the end of the tab."""
    grid = store.read([sheet.PRODUCERS.name])[sheet.PRODUCERS.name]
    width = len(grid[0])
    rows = [[*grid[0], "Commune", "Description", "Site web"]]
    for row in grid[1:]:
        padded = [*row, *[""] * (width - len(row))]
        rows.append([*padded, *demo_data.PRODUCER_PAGES.get(str(row[0]), ("", "", ""))])
    store.write(Changes(replace={sheet.PRODUCERS.name: rows}))


def _take_late_order(store: LocalWorkbookStore) -> None:
    """Aurélie's order came after closing; the coordinator accepts it by copying it into Saisie manuelle."""
    rows = [["10/12/2026 21:16", "aurelie.caron@example.com", "Caron", "Aurélie", "06 10 00 00 15", code, qty, SALE]
            for code, qty in (("LEG1", "1"), ("OEU1", "1"))]
    grid = store.read([sheet.MANUAL.name])[sheet.MANUAL.name]
    header = grid[0] if grid else sheet.MANUAL.header
    store.write(Changes(append={sheet.MANUAL.name: Append(header, [
        sheet.align(header, dict(zip(sheet.MANUAL.header, row, strict=True)), sheet.MANUAL) for row in rows])}))


def _enter_weights(store: LocalWorkbookStore, config, now: datetime) -> None:
    """The meat producer weighs each piece and types the weights into the rows tick added to Pesées."""
    snap = snapshot.read(store, config)
    book = refresh(snap, config, now).book
    grid = sheet.trim(snap.grid(sheet.WEIGHINGS))
    header = [str(h) for h in grid[0]]
    column = next(i for i, h in enumerate(header) if h.startswith("Poids"))
    rng = random.Random(12)
    expected = {(line.email, line.product): (line.avg_weight, line.allocated)
                for line in book.lines[book.lines["sale"] == SALE].itertuples(index=False) if line.by_weight}
    for row in grid[1:]:
        row += [""] * (len(header) - len(row))
        found = expected.get((str(row[1]).lower(), str(row[3])))
        if row[0] == SALE and found and found[0] is not None and row[column] in ("", None):
            weight = Decimal(found[0]) * found[1] * Decimal(str(rng.uniform(0.9, 1.1)))
            row[column] = float(weight.quantize(Decimal("0.001")))
    store.write(Changes(replace={sheet.WEIGHINGS.name: grid}))

