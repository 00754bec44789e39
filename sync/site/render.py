"""The site's files from its content: HTML pages (templates/site/), the stylesheet, the calendar feed and the
photos, as {path inside the site: bytes}. No JavaScript, no font or style from elsewhere: the pages use the
phone's own fonts and one local stylesheet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from ..config import Config
from ..french import typography, typography_html
from ..mail.invitation import escape, fold, utc
from ..templating import environment, folders
from . import photos as photos_module
from .content import Content, Sale

PAGES = (
    # file, template, title in the menu (None: not in the menu)
    ("index.html", "site/index.html.j2", "Accueil"),
    ("catalogue.html", "site/catalogue.html.j2", "La vente"),
    ("producteurs.html", "site/producers.html.j2", "Producteurs"),
    ("calendrier.html", "site/calendar.html.j2", "Calendrier"),
    ("rejoindre.html", "site/join.html.j2", "Nous rejoindre"),
)
STYLESHEET = "site/style.css"
FEED = "calendrier.ics"


@dataclass
class Built:
    files: dict[str, bytes | None] = field(default_factory=dict)  # None: keep the file already there (a photo)
    notes: list[str] = field(default_factory=list)  # French, for the coordinator (a photo left out…)


def render(content: Content, config: Config, site: Path, fetch: photos_module.Fetch | None = None) -> Built:
    built = Built()
    pictures = _photos(content, config, site, fetch, built)
    env = environment(config)
    menu = [(file, label) for file, _template, label in PAGES]
    common = {"site": content, "menu": menu, "photos": pictures, "feed": FEED}
    for file, template, _label in PAGES:
        html = typography_html(env.get_template(template).render(**common, page=file))
        built.files[file] = html.encode("utf-8")
    for producer in content.producers:
        file = f"producteur-{producer.slug}.html"
        html = typography_html(env.get_template("site/producer.html.j2").render(**common, page=file,
                                                                               producer=producer))
        built.files[file] = html.encode("utf-8")
    built.files["style.css"] = _stylesheet(config)
    built.files[FEED] = feed(content)
    return built


def _stylesheet(config: Config) -> bytes:
    for folder in folders(config):  # the coordinator's own style.css, when she has one
        path = folder / STYLESHEET
        if path.is_file():
            return path.read_bytes()
    raise FileNotFoundError(STYLESHEET)


def _photos(content: Content, config: Config, site: Path, fetch, built: Built) -> dict[str, photos_module.Photo]:
    wanted: dict[str, str] = {}
    for producer in content.producers:
        for product in producer.products:
            if product.photo:
                wanted[product.code] = product.photo
    pictures = {}
    for code, cell in sorted(wanted.items()):
        photo = photos_module.prepare(code, cell, config.site.photos, site, fetch, built.notes)
        if photo is not None:
            pictures[code] = photo
            built.files[photo.path] = photo.data
    return pictures


def feed(content: Content) -> bytes:
    """``calendrier.ics``: each sale's distribution and the closing of its orders, for a calendar to subscribe to.
    Every stamp comes from the sheet (never the clock), so an unchanged calendar gives the same bytes."""
    host = _host(content.address) or "paniers.invalid"
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Paniers//Site du groupe//FR", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(content.title)}", "X-WR-TIMEZONE:Europe/Paris",
        "REFRESH-INTERVAL;VALUE=DURATION:PT12H", "X-PUBLISHED-TTL:PT12H",
    ]
    for sale in sorted((*content.coming, *content.past), key=lambda s: s.start):
        url = f"{content.address}catalogue.html" if content.address and sale is content.ordering else ""
        lines += _event(f"{sale.code}-distribution@{host}", sale.opens_at, sale.start, sale.end,
                        f"Distribution : {sale.title}", sale.place, _description(sale), url or content.address)
        lines += _event(f"{sale.code}-cloture@{host}", sale.opens_at, sale.closes_at,
                        sale.closes_at + timedelta(minutes=15), f"Clôture des commandes : {sale.title}", "",
                        "Dernier moment pour commander." + (f" {sale.form_url}" if sale.form_url else ""),
                        content.address)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")


def _event(uid: str, stamp: datetime, start: datetime, end: datetime, summary: str, location: str,
           description: str, url: str) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:{escape(uid)}", f"DTSTAMP:{utc(stamp)}", f"DTSTART:{utc(start)}",
             f"DTEND:{utc(end)}", f"SUMMARY:{escape(typography(summary))}"]
    if location:
        lines.append(f"LOCATION:{escape(location)}")
    if description:
        lines.append(f"DESCRIPTION:{escape(typography(description))}")
    if url:
        lines.append(f"URL:{url}")
    return [*lines, "TRANSP:OPAQUE", "END:VEVENT"]


def _description(sale: Sale) -> str:
    parts = [f"Commandes du {sale.opens} au {sale.closes}."]
    if sale.message:
        parts.append(sale.message)
    return " ".join(parts)


def _host(address: str) -> str:
    return urlsplit(address).hostname or "" if address else ""
