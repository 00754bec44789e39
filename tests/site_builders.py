"""The demo group's public site, built in a folder for the site's tests: the demo workbook with the optional
columns the site uses (Commune, Description, Site web, Photo), photos made on the spot, a form link."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from sync import config as config_module
from sync import demo, sheet, snapshot
from sync.refresh import refresh
from sync.site import build as site_build
from sync.site import content as content_module
from sync.stores.memory import MemoryStore

TZ = ZoneInfo("Europe/Paris")
FORM = "https://docs.google.com/forms/d/e/1FAIpQLSdemo/viewform"
PHOTO_URL = "https://photos.example.org/miel-de-fleurs.jpg"
FILE_PHOTOS = {"PAIN1": (180, 120, 60), "LEG1": (70, 130, 40), "CHV3": (235, 230, 215), "VIA4": (200, 150, 90)}


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def picture(colour: tuple[int, int, int], size=(1600, 1200), kind="JPEG") -> bytes:
    """A camera-sized picture (a plain field with a disc), as a producer would send one."""
    image = Image.new("RGB", size, colour)
    width, height = size
    ImageDraw.Draw(image).ellipse((width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=(250, 245, 230))
    out = io.BytesIO()
    image.save(out, format=kind)
    return out.getvalue()


def demo_grids(photos: bool = False) -> dict:
    grids = demo.build()
    producers = grids[sheet.PRODUCERS.name]
    width = len(producers[0])
    producers[0] = [*producers[0], "Commune", "Description", "Site web"]
    for row in producers[1:]:
        row[:] = [*row, *[""] * (width - len(row)), *demo.PRODUCER_PAGES[row[0]]]
    sales = grids[sheet.SALES.name]
    link = sales[0].index("Lien formulaire")
    for row in sales[1:]:
        row[link] = FORM if row[0] == "2026-12" else ""
    if photos:
        products = grids[sheet.PRODUCTS.name]
        products[0] = [*products[0], "Photo"]
        for row in products[1:]:
            cell = f"{row[0].lower()}.jpg" if row[0] in FILE_PHOTOS else ""
            row.append(PHOTO_URL if row[0] == "MIE1" else cell)
    return grids


@dataclass
class Built:
    folder: Path
    config: config_module.Config
    store: MemoryStore
    report: site_build.Report
    content: content_module.Content


def site_config(folder: Path, **site) -> config_module.Config:
    return config_module.from_dict({
        "group": {"name": demo.GROUP_NAME, "coordinator_email": "animation@example.org"},
        "site": {"folder": "site", "presentation": "Des fermes du Boischaut Nord.\n\nUne distribution par mois.",
                 "address": "https://paniers.example.org/", **site},
    }, base_dir=folder)


def fetch(url: str) -> bytes:
    assert url == PHOTO_URL  # the only address in the demo: anything else would be a request nobody asked for
    return picture((230, 180, 40), kind="PNG")


def build_demo_site(folder: Path, now: datetime | None = None, photos: bool = False, store: MemoryStore | None = None,
                    **site) -> Built:
    config = site_config(folder, **site)
    if photos:
        config.site.photos.mkdir(parents=True, exist_ok=True)
        for code, colour in FILE_PHOTOS.items():
            path = config.site.photos / f"{code.lower()}.jpg"
            if not path.exists():  # a second build finds the same photos, as a coordinator's folder would be
                path.write_bytes(picture(colour))
    store = store or MemoryStore(demo_grids(photos))
    now = now or at("2026-12-02 10:00")
    snap = snapshot.read(store, config)
    result = refresh(snap, config, now)
    report = site_build.build(result.catalogue, snap, config, now, fetch=fetch)
    content = content_module.build(result.catalogue, snap.table(sheet.PRODUCERS), snap.table(sheet.PRODUCTS),
                                   config, now)
    return Built(site_build.folder(config), config, store, report, content)
