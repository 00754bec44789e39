"""``paniers demo``: a fictional group in a folder of its own, on the embedded default (no account)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .. import config as config_module
from ..stores.local import LocalWorkbookStore
from . import Context, check, init

DEMO_CONFIG = """\
# A demo group, made by `paniers demo`: everything in this folder is fictional.
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
"""


def run(ctx: Context, out: Path | None = None) -> int:
    """Build the demo group in ``out`` (a new temporary folder by default) and check it."""
    folder = Path(out) if out else Path(tempfile.mkdtemp(prefix="paniers-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / "config.toml"
    if not config_path.exists():
        config_path.write_text(DEMO_CONFIG, encoding="utf-8")
    config = config_module.load(config_path)
    demo_ctx = Context(config, LocalWorkbookStore(config.store.path), ctx.now, ctx.out, ctx.environ)
    ctx.say(f"Groupe de démonstration dans {folder}")
    ctx.say("")
    init.run(demo_ctx, demo=True)
    ctx.say("")
    check.run(demo_ctx)
    ctx.say("")
    ctx.say("Où regarder :")
    ctx.say(f"  - le classeur : {config.store.path} (à ouvrir avec LibreOffice ou à importer dans Google Drive)")
    ctx.say(f"  - la configuration : {config_path}")
    ctx.say(f"Pour continuer avec ce groupe : paniers --config {config_path} check")
    return 0
