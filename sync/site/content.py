"""What the public site shows, from the catalogue, ``[site]`` and ``now``: plain data, formatted in French.

Pure and deterministic: the same catalogue and the same phase of each sale give the same content, whatever the
minute (no "updated at" time anywhere), so that ``tick`` can compare it with the last build and rewrite nothing.
Only what the sheet makes public goes in: the group, its sales (dates, place, form link, the sale's message),
the producers (name, village, description, website, payment methods; never their email, phone or cheque
payee) and the products (never a stock figure: only "quantité limitée"). The order book is not an input.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote_plus

import pandas as pd

from ..catalogue import Catalogue, listed_for
from ..config import Config
from ..schedule import DISTRIBUTED, OPEN, UPCOMING, distribution_end, phase
from ..sheet import Table
from ..values import fold, hour, long_date, long_datetime, money, number

# The optional columns of the sheet the site uses (design.md, "Optional columns that the public site uses"),
# with the other headers people may give them.
PRODUCER_EXTRAS = {"description": ("Description", "Présentation"), "town": ("Commune", "Village", "Ville"),
                   "website": ("Site web", "Site internet", "Site")}
PRODUCT_EXTRAS = {"photo": ("Photo", "Image")}


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    packaging: str
    price: str  # "4,50 €", or "16,50 € le kg" when sold by weight
    estimate: str  # by weight: "environ 19,80 € pour 1,2 kg"; else ""
    limited: bool
    description: str
    category: str
    photo: str  # the cell as typed: a file name in [site] photos, or an image address; "" for none


@dataclass(frozen=True)
class Producer:
    code: str
    slug: str  # the page's file name, without .html
    name: str
    town: str
    description: str
    website: str
    payments: str
    products: tuple[Product, ...]  # everything they offer in general (active products)
    in_sale: tuple[Product, ...]  # what they offer in the sale the catalogue shows


@dataclass(frozen=True)
class Sale:
    code: str
    title: str
    phase: str  # schedule's phases: à venir, commandes ouvertes, clôturée, terminée
    opens: str  # "lundi 30 novembre 2026 à 8 h"
    closes: str
    day: str  # "vendredi 11 décembre 2026"
    hours: str  # "de 17 h à 19 h"
    place: str
    map_url: str  # the place on OpenStreetMap ("" without a place)
    form_url: str
    message: str
    special: bool
    start_iso: str  # for <time datetime>
    start: datetime = field(compare=False, repr=False)
    end: datetime = field(compare=False, repr=False)
    opens_at: datetime = field(compare=False, repr=False)
    closes_at: datetime = field(compare=False, repr=False)


@dataclass(frozen=True)
class Content:
    title: str
    presentation: tuple[str, ...]  # paragraphs
    contact: str  # the coordinator's address: the group's public contact
    join_link: str
    address: str  # the public address of the site, "" when not given
    ordering: Sale | None  # the sale open now, else the next one to open
    next_distribution: Sale | None
    coming: tuple[Sale, ...]  # every sale whose distribution is not over, in order
    past: tuple[Sale, ...]  # the last sales already distributed (for the calendar feed), newest first
    producers: tuple[Producer, ...]

    def fingerprint_data(self) -> dict:
        return asdict(self, dict_factory=lambda items: {k: v for k, v in items if not isinstance(v, datetime)})


def build(catalogue: Catalogue, producers_table: Table, products_table: Table, config: Config,
          now: datetime) -> Content:
    """The site's content at ``now``. The two tables are the Producteurs and Produits tabs as read: the
    catalogue types the contract's columns; the site's optional columns are read from the tables here."""
    tz = config.tz
    sales = [_sale(row, tz, now) for _, row in catalogue.sales.sort_values("opens", kind="stable").iterrows()]
    open_now = [s for s in sales if s.phase == OPEN]
    upcoming = [s for s in sales if s.phase == UPCOMING]
    ordering = open_now[0] if open_now else (min(upcoming, key=lambda s: s.opens_at) if upcoming else None)
    coming = sorted((s for s in sales if s.phase != DISTRIBUTED), key=lambda s: s.start)
    past = sorted((s for s in sales if s.phase == DISTRIBUTED), key=lambda s: s.start, reverse=True)[:12]
    extras_producers = _extras(producers_table, PRODUCER_EXTRAS)
    extras_products = _extras(products_table, PRODUCT_EXTRAS)
    available = catalogue.available()
    producers = []
    slugs: set[str] = set()
    for producer in catalogue.producers.itertuples(index=False):
        if not producer.active:
            continue
        own = available[available["producer"] == producer.code]
        products = tuple(_product(p, extras_products.get(p.row, {})) for p in own.itertuples(index=False))
        in_sale = ()
        if ordering is not None:
            listed = [listed_for(p.sales, ordering.code) for p in own.itertuples(index=False)]
            in_sale = tuple(p for p, keep in zip(products, listed, strict=True) if keep)
        extra = extras_producers.get(producer.row, {})
        slug = _unique(slugify(producer.code), slugs)
        producers.append(Producer(
            code=producer.code, slug=slug, name=producer.name, town=extra.get("town", ""),
            description=extra.get("description", ""), website=_web(extra.get("website", "")),
            payments=producer.payments or "", products=products, in_sale=in_sale))
    site = config.site
    presentation = tuple(p.strip() for p in re.split(r"\n\s*\n", site.presentation or "") if p.strip())
    return Content(
        title=(site.title or config.group.name).strip(),
        presentation=presentation,
        contact=config.group.coordinator_email,
        join_link=_web(site.join_link or ""),
        address=_web(site.address or ""),
        ordering=ordering,
        next_distribution=coming[0] if coming else None,
        coming=tuple(coming),
        past=tuple(past),
        producers=tuple(producers),
    )


def _sale(row: pd.Series, tz, now: datetime) -> Sale:
    start = row["distribution"].astimezone(tz)
    end = distribution_end(row).astimezone(tz)
    hours = f"de {hour(start)} à {hour(end)}" if end.date() == start.date() else f"à partir de {hour(start)}"
    place = row["place"] or ""
    return Sale(
        code=row["code"], title=row["title"], phase=phase(row, now),
        opens=long_datetime(row["opens"].astimezone(tz)), closes=long_datetime(row["closes"].astimezone(tz)),
        day=long_date(start), hours=hours, place=place,
        map_url=f"https://www.openstreetmap.org/search?query={quote_plus(place)}" if place else "",
        form_url=_web(row["form_url"] or ""), message=row["message"] or "", special=bool(row["special"]),
        start_iso=start.isoformat(), start=start, end=end, opens_at=row["opens"], closes_at=row["closes"])


def _product(p, extra: dict[str, str]) -> Product:
    price: Decimal = p.price
    if p.by_weight:
        shown = f"{money(price)} le kg"
        weight = Decimal(p.avg_weight)
        estimate = f"environ {money(price * weight)} pour {number(weight.normalize())} kg"
    else:
        shown, estimate = money(price), ""
    return Product(code=p.code, name=p.name or p.code, packaging=p.packaging or "", price=shown, estimate=estimate,
                   limited=p.stock is not None, description=p.description or "", category=p.category or "",
                   photo=extra.get("photo", ""))


def _extras(table: Table, wanted: dict[str, tuple[str, ...]]) -> dict[int, dict[str, str]]:
    """The optional columns of a tab, by row number: {row: {"town": "Valençay", ...}} (blank cells left out)."""
    frame = table.frame
    columns = {}
    for key, names in wanted.items():
        folded = {fold(n) for n in names}
        found = next((c for c in frame.columns if isinstance(c, str) and fold(c) in folded), None)
        if found is not None:
            columns[key] = found
    out: dict[int, dict[str, str]] = {}
    for record in frame.to_dict("records"):
        values = {k: _text(record.get(c)) for k, c in columns.items()}
        out[record["_row"]] = {k: v for k, v in values.items() if v}
    return out


def _text(raw) -> str:
    if raw is None or (isinstance(raw, float) and raw != raw):
        return ""
    return " ".join(str(raw).split()) if "\n" not in str(raw) else str(raw).strip()


def _web(text: str) -> str:
    """A web address a person typed, made clickable ("www.ferme.fr" → "https://www.ferme.fr"); anything that is
    not an http(s) address is left out (never a ``javascript:`` link on the group's site)."""
    text = text.strip()
    if not text or any(c.isspace() for c in text):
        return ""
    if re.match(r"^https?://", text, re.IGNORECASE):
        return text
    if re.match(r"^[\w-]+(\.[\w-]+)+(/.*)?$", text) and ":" not in text:
        return f"https://{text}"
    return ""


def slugify(text: str, fallback: str = "producteur") -> str:
    """A file name's stem from a code: « Ferme-Élan » → ``ferme-elan`` (``fallback`` when nothing is left)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or fallback


def _unique(slug: str, taken: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    taken.add(candidate)
    return candidate
