"""Product photos for the site: a file in ``[site] photos`` or an image address, copied into the site's
``photos/`` folder as a JPEG at most 800 px wide, so that the site loads nothing from elsewhere (no third-party
request follows a visitor) and a phone downloads a few dozen kilobytes, not a camera's 5 MB.

An address is fetched once: the copy is named after the address, and a build that finds it already in the site
does not fetch it again. A photo that cannot be read (missing file, not an image, address unreachable) is left
out, with a French note for the coordinator; the product is shown without it.
"""

from __future__ import annotations

import hashlib
import io
import re
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .content import slugify

MAX_WIDTH = 800
MAX_BYTES = 15_000_000  # an address that sends more than this is not a photo for a product card
Fetch = Callable[[str], bytes]


def fetch_url(url: str) -> bytes:
    """The bytes at an http(s) address, within 15 seconds."""
    request = urllib.request.Request(url, headers={"User-Agent": "Paniers (site du groupe)"})
    with urllib.request.urlopen(request, timeout=15) as response:  # http(s) only: photos.is_address
        return response.read(MAX_BYTES + 1)


@dataclass(frozen=True)
class Photo:
    path: str  # relative to the site's root: "photos/pain1-3f2a9c1b.jpg"
    data: bytes | None  # None: already in the site as it should be (an address fetched before)
    width: int
    height: int


def is_address(cell: str) -> bool:
    return bool(re.match(r"^https?://", cell.strip(), re.IGNORECASE))


def prepare(code: str, cell: str, folder: Path, site: Path, fetch: Fetch | None,
            notes: list[str]) -> Photo | None:
    """The photo a product's ``Photo`` cell names, scaled down; None (and a note) when it cannot be used."""
    cell = cell.strip()
    slug = slugify(code, "photo")
    if is_address(cell):
        name = f"photos/{slug}-{hashlib.sha256(cell.encode()).hexdigest()[:10]}.jpg"
        existing = site / name
        if existing.is_file():
            size = _size(existing.read_bytes())
            if size:
                return Photo(name, None, *size)
        if fetch is None:
            notes.append(f"photo de {code} : l'adresse {cell} n'a pas été téléchargée (pas d'accès au réseau)")
            return None
        try:
            raw = fetch(cell)
        except Exception as exc:  # any network failure: the product goes without its photo this time
            notes.append(f"photo de {code} : l'adresse {cell} ne répond pas ({type(exc).__name__}) ; "
                         "le produit est montré sans photo")
            return None
    else:
        source = folder / cell
        if Path(cell).name != cell or not source.is_file():
            notes.append(f"photo de {code} : le fichier « {cell} » n'est pas dans le dossier des photos ({folder})")
            return None
        raw = source.read_bytes()
        name = f"photos/{slug}-{hashlib.sha256(raw).hexdigest()[:10]}.jpg"
    scaled = scale(raw)
    if scaled is None:
        notes.append(f"photo de {code} : « {cell} » n'est pas une image lisible (JPEG, PNG, WebP…)")
        return None
    data, width, height = scaled
    return Photo(name, data, width, height)


def scale(raw: bytes) -> tuple[bytes, int, int] | None:
    """A JPEG at most MAX_WIDTH wide, without the camera's metadata (place, date); the same bytes give the
    same bytes."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if len(raw) > MAX_BYTES:
        return None
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            if image.width > MAX_WIDTH:
                image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)),
                                     Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=82, optimize=True, progressive=True)
            return out.getvalue(), image.width, image.height
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def _size(data: bytes) -> tuple[int, int] | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.width, image.height
    except (UnidentifiedImageError, OSError):
        return None
