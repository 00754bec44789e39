"""``paniers report [--sale CODE] [--out FICHIER]``: the coordinator's report on a sale, as one HTML page
(charts inside) that she can open in a browser, print, or forward.

``run`` reads the workbook once and builds the order book (weights from ``Pesées`` applied), as
every job does (``refresh``); ``run_with_book`` does the work from that book and the catalogue.
Nothing is written to the workbook.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

from .. import figures, recaps, snapshot
from ..catalogue import Catalogue
from ..config import Config
from ..errors import UsageError
from ..french import plural, typography_html
from ..orderbook import OrderBook
from ..refresh import refresh
from ..templating import environment
from ..values import money
from . import Context

TEMPLATE = "report/report.html.j2"


def run(ctx: Context, sale: str | None = None, out: Path | None = None) -> int:
    result = refresh(snapshot.read(ctx.store, ctx.config), ctx.config, ctx.now)
    return run_with_book(ctx, result.book, result.catalogue, sale, out)


def run_with_book(ctx: Context, book: OrderBook, catalogue: Catalogue, sale: str | None = None,
                  out: Path | None = None) -> int:
    history = figures.History.build(book, catalogue, ctx.now)
    code = chosen_sale(history, sale)
    recap = recaps.group(history, code, scale=2)
    html = render(ctx.config, recap)
    path = Path(out) if out else ctx.config.base_dir / f"bilan-{safe_name(code)}.html"
    write_atomically(path, html)
    figures_ = recap.context["figures"]
    ctx.say(f"Bilan de la vente « {figures_['sale']['title']} » ({code}) : {path}")
    if figures_["households"]:
        ctx.say(f"  {plural(figures_['households'], 'foyer')} dont {plural(figures_['new'], 'nouveau', 'nouveaux')}, "
                f"chiffre d'affaires {money(figures_['turnover'])}.")
    else:
        ctx.say("  Aucune commande pour cette vente.")
    if recap.context["changes"]:
        last = recap.context["last_year"]["sale"]
        ctx.say(f"  Par rapport à « {last['title']} » ({last['code']}) : foyers "
                f"{recap.context['changes']['households']['text']}, chiffre d'affaires "
                f"{recap.context['changes']['turnover']['text']}.")
    lapsed = recap.context["lapsed"]
    if lapsed:
        ctx.say(f"  {plural(len(lapsed), 'foyer régulier', 'foyers réguliers')} à recontacter : voir le rapport "
                "(et l'onglet « Foyers à recontacter »).")
    ctx.say("Ouvrez ce fichier dans un navigateur pour le lire ou l'imprimer.")
    return 0


def chosen_sale(history: figures.History, sale: str | None) -> str:
    """The sale asked for, or the latest one distributed by now (else the latest opened)."""
    if sale:
        code = sale.strip().upper()
        if code in history.sales.index:
            return code
        if code in history.calendar.index:
            raise UsageError(f"La vente {code} n'est pas encore ouverte : son bilan viendra après l'ouverture "
                             "des commandes.")
        known = ", ".join(list(history.sales.index[-6:])) or "aucune"
        raise UsageError(f"Vente inconnue : {code}. Dernières ventes : {known}.")
    if history.sales.empty:
        raise UsageError("Aucune vente n'a encore ouvert ses commandes : pas encore de bilan.")
    distributed = history.sales[history.sales["distribution"].map(lambda d: d <= history.now).to_numpy(bool)]
    return str((distributed if not distributed.empty else history.sales).index[-1])


def render(config: Config, recap: recaps.Recap) -> str:
    """The report page, charts inlined as base64 PNG so the one file holds everything."""
    images = {name: {"src": "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii"),
                     "width": chart.width, "height": chart.height, "alt": chart.alt}
              for name, chart in recap.charts.items()}
    template = environment(config).get_template(TEMPLATE)
    return typography_html(template.render(**recap.context, group=config.group.name, images=images))


def safe_name(code: str) -> str:
    """A sale code as a piece of file name (a code is data: it never chooses a folder)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", code).strip("_") or "vente"


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
