"""Charts for the recap emails and the printable report: PNG images with French labels.

Drawn with matplotlib's Agg canvas on a ``Figure`` of our own (no pyplot, so no global state and no
display: it runs the same under cron). Each chart is 600 px wide at ``scale=1``, the width of an
email's content column, with fonts that stay legible on a phone; ``scale=2`` draws the same chart
at twice the pixels for print and sharp screens (show it at ``width`` × ``height``). The output is
deterministic: the same figures give the same bytes, so an email's fingerprint does not change
when nothing did.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_decimal
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

WIDTH = 600  # px: an email's content column
TICKS = 9  # sale labels: "Pâques" must not touch its neighbours when twelve sales share 600 px
DPI = 100
# Okabe & Ito's palette: told apart by colour-blind readers too, and when printed in grey.
# Beyond eight producers (a group has up to twelve), darker colours, hatched, so none repeats.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999",
           "#332288", "#8C510A", "#882255", "#1B1B1B"]
RETURNING, NEW = "#0072B2", "#E69F00"
CURRENT, OTHER, LAST_YEAR = "#0072B2", "#A6C8E0", "#E69F00"
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.titlesize": 14,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#DDDDDD",
    "axes.axisbelow": True,
    "xtick.major.size": 0,
    "legend.frameon": False,
    "svg.hashsalt": "paniers",
}


@dataclass(frozen=True)
class Chart:
    """A PNG image, the size to show it at (CSS pixels) and a French text for when images are off."""

    png: bytes
    width: int
    height: int
    alt: str


def euros(value: float, _position=None) -> str:
    """« 1 200 € » on an axis."""
    return format_decimal(round(value), format="#,##0", locale="fr_FR") + "\u00a0€"


def _sale_axis(ax, labels: Sequence[str]) -> None:
    """Sales along the x axis: « nov. », « Noël » under each bar and the year under the first sale of each
    year (« nov. 2026 » → « nov. » and « 2026 »): twelve labels fit in 600 px without slanting."""
    x = list(range(len(labels)))
    parts = [label.rpartition(" ") for label in labels]
    ax.set_xticks(x, [head or tail for head, _, tail in parts], fontsize=TICKS)
    previous = None
    for i, (head, _, year) in enumerate(parts):
        if head and year != previous:
            ax.annotate(year, xy=(i, 0), xycoords=("data", "axes fraction"), xytext=(0, -20),
                        textcoords="offset points", ha="center", va="top", fontsize=TICKS, color="#555555")
        previous = year
    ax.set_xlim(-0.6, len(labels) - 0.4)


def _figure(height: int, scale: int, top: int, bottom: int, left: int = 80, right: int = 14) -> Figure:
    """A figure with fixed margins in pixels (title and legend above, sale labels below): the sizes are
    known in advance, and a layout engine would cost more time than the drawing itself."""
    figure = Figure(figsize=(WIDTH / DPI, height / DPI), dpi=DPI * scale)
    figure.subplots_adjust(left=left / WIDTH, right=1 - right / WIDTH, top=1 - top / height, bottom=bottom / height)
    return figure


def _render(figure: Figure, height: int, scale: int, alt: str) -> Chart:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=DPI * scale, metadata={"Software": None})
    return Chart(buffer.getvalue(), WIDTH, height, alt)


def _empty(ax, text: str = "Pas encore de vente à montrer") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])


def households(labels: Sequence[str], new: Sequence[int], returning: Sequence[int], *, scale: int = 1,
               title: str = "Foyers par vente") -> Chart:
    """Households per sale as stacked bars: the returning ones below, the new ones on top, the total above."""
    height = 340
    with rc_context(STYLE):
        figure = _figure(height, scale, top=68, bottom=48, left=50)
        ax = figure.add_subplot()
        ax.set_title(title, pad=30)
        if not labels:
            _empty(ax)
        else:
            x = range(len(labels))
            ax.bar(x, returning, color=RETURNING, width=0.7, label="Foyers fidèles")
            ax.bar(x, new, bottom=returning, color=NEW, width=0.7, label="Nouveaux foyers")
            totals = [a + b for a, b in zip(new, returning, strict=True)]
            for i, total in enumerate(totals):
                ax.annotate(str(total), (i, total), xytext=(0, 3), textcoords="offset points", ha="center",
                            va="bottom", fontsize=10, color="#333333")
            _sale_axis(ax, labels)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
            ax.set_ylim(0, max(max(totals), 1) * 1.15)
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, borderaxespad=0.2, handlelength=1.2,
                      fontsize=10)
        alt = title + " : " + " ; ".join(
            f"{label} : {a + b} ({b} nouveaux)" for label, a, b in zip(labels, returning, new, strict=True))
        return _render(figure, height, scale, alt if labels else f"{title} : pas encore de vente")


def turnover(labels: Sequence[str], producers: dict[str, Sequence[Decimal | None]], *, scale: int = 1,
             title: str = "Chiffre d'affaires par producteur") -> Chart:
    """Turnover per sale as stacked bars, one colour per producer (the biggest at the bottom), legend below."""
    names = sorted(producers, key=lambda n: -sum(float(v or 0) for v in producers[n]))
    rows = (len(names) + 1) // 2
    height = 330 + 22 * rows
    with rc_context(STYLE):
        figure = _figure(height, scale, top=40, bottom=56 + 22 * rows)
        ax = figure.add_subplot()
        ax.set_title(title, pad=10)
        if not labels or not names:
            _empty(ax)
        else:
            x = list(range(len(labels)))
            bottom = [0.0] * len(labels)
            for i, name in enumerate(names):
                values = [float(v or 0) for v in producers[name]]
                ax.bar(x, values, bottom=bottom, width=0.7, color=PALETTE[i % len(PALETTE)], label=name,
                       edgecolor="white", linewidth=0.5, hatch="///" if i >= 8 else None)
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
            _sale_axis(ax, labels)
            ax.yaxis.set_major_formatter(FuncFormatter(euros))
            ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
            ax.set_ylim(0, max(max(bottom), 1) * 1.05)
            figure.legend(loc="lower center", bbox_to_anchor=(0.5, 4 / height), ncols=2, fontsize=10,
                          handlelength=1.2, columnspacing=1.5)
        totals = [sum(float(producers[n][i] or 0) for n in names) for i in range(len(labels))]
        alt = title + " : " + " ; ".join(f"{label} : {euros(t)}" for label, t in zip(labels, totals, strict=True))
        return _render(figure, height, scale, alt if labels else f"{title} : pas encore de vente")


def producer_turnover(labels: Sequence[str], values: Sequence[Decimal | None], *, current: int | None = None,
                      last_year: int | None = None, scale: int = 1, title: str = "Votre chiffre d'affaires") -> Chart:
    """One producer's turnover over the last sales: this sale in dark blue, last year's in orange, with
    their amounts written above."""
    height = 320
    with rc_context(STYLE):
        figure = _figure(height, scale, top=68, bottom=48)
        ax = figure.add_subplot()
        ax.set_title(title, pad=30)
        amounts = [float(v or 0) for v in values]
        if not labels:
            _empty(ax)
        else:
            colours = [CURRENT if i == current else LAST_YEAR if i == last_year else OTHER
                       for i in range(len(labels))]
            x = list(range(len(labels)))
            ax.bar(x, amounts, color=colours, width=0.7)
            for i in (current, last_year):
                if i is not None:
                    ax.annotate(euros(amounts[i]), (i, amounts[i]), xytext=(0, 3), textcoords="offset points",
                                ha="center", va="bottom", fontsize=10, fontweight="bold", color=colours[i])
            _sale_axis(ax, labels)
            ax.yaxis.set_major_formatter(FuncFormatter(euros))
            ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
            ax.set_ylim(0, max(max(amounts), 1) * 1.18)
            ax.set_xlim(-0.7, len(labels) - 0.3)  # room for the amount written above the first bar
            keys = [(CURRENT, "Cette vente", current), (LAST_YEAR, "La même vente l'an dernier", last_year)]
            handles = [Patch(color=colour, label=text) for colour, text, index in keys if index is not None]
            if handles:
                ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, borderaxespad=0.2,
                          handlelength=1.2, fontsize=10)
        alt = title + " : " + " ; ".join(f"{label} : {euros(a)}" for label, a in zip(labels, amounts, strict=True))
        return _render(figure, height, scale, alt if labels else f"{title} : pas encore de vente")
