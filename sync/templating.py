"""Jinja2 templates: the built-in ones in ``templates/``, overridable from the coordinator's own folder.

``[templates] folder`` in the config names a folder whose files take precedence over the built-in
ones of the same path, so she can copy one template, adapt it, and keep the rest. Undefined
variables are errors (``StrictUndefined``): a typo in a template fails loudly in the tests, never
as an empty gap in an email. French filters: ``money``, ``long_date``, ``long_datetime``, ``hour``,
``number``, ``sheet_datetime``; and from ``sync/french.py``: ``plural`` (``{{ n|plural("commande") }}``), ``de`` and
``a`` (``la liste {{ group|de }}``: « des Paniers d'Azay »), ``guillemets`` and ``typo``. Templates are written with
ordinary spaces: French spacing is applied once to what they render, where it leaves the tool.
"""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)

from . import french, values
from .config import Config

BUILTIN = Path(__file__).resolve().parent.parent / "templates"


def folders(config: Config | None) -> list[Path]:
    """The coordinator's folder first (when set), then the built-in templates."""
    chosen = []
    if config is not None and config.templates.folder is not None:
        chosen.append(config.templates.folder)
    chosen.append(BUILTIN)
    return chosen


def environment(config: Config | None = None) -> Environment:
    """The template environment: autoescaping for .html templates, strict undefined, French filters.

    One environment per set of folders, kept for the life of the process: Jinja compiles each template
    once and checks the file's date before reusing it, so an edited template is still picked up."""
    return _environment(tuple(folders(config)))


@functools.lru_cache(maxsize=8)
def _environment(chosen: tuple[Path, ...]) -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(folder)) for folder in chosen]),
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml", "html.j2", "htm.j2"),
                                     default_for_string=True, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Each run is a new process (cron): compiling the templates it uses is a tenth of a second. Jinja keeps
        # the compiled code in a private folder of the temporary directory, checked against the template's
        # text, so an edited template is compiled again.
        bytecode_cache=FileSystemBytecodeCache(),
    )
    env.filters.update(
        money=values.money,
        long_date=values.long_date,
        long_datetime=values.long_datetime,
        hour=values.hour,
        number=values.number,
        sheet_datetime=values.sheet_datetime,
        plural=french.plural,
        de=french.de,
        a=french.a,
        guillemets=french.guillemets,
        typo=french.typography,
    )
    env.globals.update(plural=french.plural, de=french.de, a=french.a)
    return env
