"""The charts are real PNG images, 600 px wide, with the bars drawn in their colours."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from PIL import Image

from sync import charts

LABELS = ["nov. 2025", "déc. 2025", "Noël 2025", "janv. 2026", "févr. 2026", "nov. 2026"]


def image(chart: charts.Chart) -> Image.Image:
    assert chart.png.startswith(b"\x89PNG\r\n\x1a\n")
    picture = Image.open(io.BytesIO(chart.png))
    picture.load()
    return picture.convert("RGB")


def share(picture: Image.Image, colour: str) -> float:
    """The part of the image painted in exactly this colour."""
    rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    counts = {c: n for n, c in picture.getcolors(maxcolors=1 << 20)}
    return counts.get(rgb, 0) / (picture.width * picture.height)


def test_households_chart():
    chart = charts.households(LABELS, [2, 2, 0, 0, 0, 1], [0, 1, 1, 2, 0, 2])
    picture = image(chart)
    assert picture.size == (600, 340) == (chart.width, chart.height)
    assert share(picture, charts.RETURNING) > 0.02 and share(picture, charts.NEW) > 0.02
    assert 5_000 < len(chart.png) < 200_000
    assert chart.alt.startswith("Foyers par vente : nov. 2025 : 2 (2 nouveaux) ; déc. 2025 : 3 (2 nouveaux)")


def test_turnover_chart_stacks_producers_biggest_first():
    series = {"Le Fournil": [Decimal("13.50"), Decimal("22.50"), None, Decimal("4.50"), None, Decimal("22.50")],
              "Les Jardins": [Decimal("15.00"), Decimal("15.00"), Decimal("7.20"), Decimal("30.00"), None,
                              Decimal("17.40")]}
    chart = charts.turnover(LABELS, series)
    picture = image(chart)
    assert picture.size == (600, 352)
    # the producer with the most turnover over the period gets the first colour
    assert share(picture, charts.PALETTE[0]) > share(picture, charts.PALETTE[1]) > 0.01
    assert "janv. 2026 : 34\u00a0€" in chart.alt


def test_producer_chart_picks_out_this_sale_and_last_year():
    values = [Decimal("13.50"), Decimal("22.50"), None, Decimal("4.50"), None, Decimal("22.50")]
    picture = image(charts.producer_turnover(LABELS, values, current=5, last_year=0))
    assert picture.size == (600, 320)
    assert share(picture, charts.CURRENT) > 0.01 and share(picture, charts.LAST_YEAR) > 0.01
    assert share(picture, charts.OTHER) > 0.01


def test_twice_the_pixels_for_print():
    chart = charts.households(LABELS, [1] * 6, [2] * 6, scale=2)
    assert image(chart).size == (1200, 680) and (chart.width, chart.height) == (600, 340)


def test_the_same_figures_give_the_same_bytes():
    assert charts.households(LABELS, [1] * 6, [2] * 6).png == charts.households(LABELS, [1] * 6, [2] * 6).png


@pytest.mark.parametrize("draw", [
    lambda: charts.households([], [], []),
    lambda: charts.turnover([], {}),
    lambda: charts.producer_turnover([], []),
])
def test_nothing_to_show_is_still_an_image(draw):
    chart = draw()
    assert image(chart).width == 600
    assert "pas encore de vente" in chart.alt


def test_euros_on_the_axis():
    assert charts.euros(12000.0) == "12\u202f000\u00a0€"
