"""One build of the site: content, fingerprint, and (when it changed, or when asked) rendering and writing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .. import sheet
from ..config import Config, resolve
from . import content as content_module
from . import output, render
from .photos import Fetch, is_address

CODE = Path(__file__).resolve().parent


@dataclass
class Report:
    folder: Path
    rebuilt: bool  # False: the content had not changed since the last build (tick)
    written: output.Written = field(default_factory=output.Written)
    notes: list[str] = field(default_factory=list)
    pages: int = 0


def folder(config: Config) -> Path:
    """``[site] folder``, or ``site/`` beside the config."""
    return resolve(config, config.site.folder) if config.site.folder is not None else config.base_dir / "site"


def build(catalogue, snapshot, config: Config, now: datetime, out: Path | None = None, *,
          only_if_changed: bool = False, fetch: Fetch | None = None) -> Report:
    """Build the site into ``out`` (``[site] folder`` by default). ``only_if_changed`` (tick): nothing is rendered
    when the content's fingerprint equals the last build's."""
    target = out if out is not None else folder(config)
    content = content_module.build(catalogue, snapshot.table(sheet.PRODUCERS), snapshot.table(sheet.PRODUCTS),
                                   config, now)
    print_ = fingerprint(content, config)
    if only_if_changed and output.previous(target).get("fingerprint") == print_:
        return Report(target, rebuilt=False)
    built = render.render(content, config, target, fetch)
    written = output.write(target, built.files, print_)
    return Report(target, True, written, built.notes, sum(1 for name in built.files if name.endswith(".html")))


def fingerprint(content: content_module.Content, config: Config) -> str:
    """Everything the site's bytes depend on, hashed: the content, the templates and this code, the photo files'
    sizes and dates. A few milliseconds: ``tick`` computes it on every run."""
    digest = hashlib.sha256()
    digest.update(json.dumps(content.fingerprint_data(), sort_keys=True, default=str).encode("utf-8"))
    from ..templating import folders

    for base in folders(config):
        site_templates = base / "site"
        if site_templates.is_dir():
            for path in sorted(p for p in site_templates.iterdir() if p.is_file()):  # a subfolder is not read
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for path in sorted(CODE.glob("*.py")):
        digest.update(path.read_bytes())
    for producer in content.producers:
        for product in producer.products:
            if product.photo and not is_address(product.photo):
                source = config.site.photos / product.photo
                try:
                    stat = source.stat()
                    digest.update(f"{product.photo}:{stat.st_size}:{stat.st_mtime_ns}".encode())
                except OSError:
                    digest.update(f"{product.photo}:absent".encode())
    return digest.hexdigest()
