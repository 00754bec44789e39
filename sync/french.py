"""French typography, plurals and elision: the one place where the tool's text is made to read as French.

Every text a person reads (emails, printable lists, tabs, terminal, site) goes through ``typography`` (or
``typography_html`` for markup) at the point where it leaves the tool, so templates and messages are written
with ordinary spaces and never fix spacing by hand. The rules, from the *Lexique des règles typographiques en
usage à l'Imprimerie nationale* as the issue asks for them:

- a narrow no-break space (U+202F) before ``;``, ``:``, ``!``, ``?`` and ``»``, and after ``«``, so that none of
  them ever starts a line on a phone's narrow screen. Only a space already there is replaced (and one is added
  inside guillemets): ``https://…``, ``20:05`` or ``?page=2`` have no space before the mark and are left alone;
- a no-break space (U+00A0) between a number and what it counts or measures: ``12,50 €``, ``13 décembre 2026``,
  ``9 h 30``, ``2 kg``, ``15 %``, ``3 ×``.

``guillemets`` quotes a text (``« Pain »``); ``plural`` writes a count with its noun the French way (0 and 1 take
the singular); ``de`` and ``a`` join a name to the preposition before it (``des Paniers``, ``du Fournil``,
``de l'Élevage``, ``aux Jardins``).
"""

from __future__ import annotations

import re

NNBSP = "\u202f"  # espace fine insécable
NBSP = "\u00a0"   # espace insécable

_SPACE = "[ \u00a0\u202f\u2009]"
# Not the spaces that start a line: a line that starts with "!" (a list's bullet) keeps its indentation. A text
# that starts with spaces is the rest of a sentence (HTML's "<span> : x"): those spaces are replaced.
_BEFORE_MARK = re.compile(f"(?<![ \u00a0\u202f\u2009\n]){_SPACE}+([;:!?»])")
_AFTER_OPEN = re.compile(f"«{_SPACE}*")
_CLOSE_GLUED = re.compile(r"(?<=[^\s\u00a0\u202f\u2009«])»")
_MONTHS = ("janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|"
           "janv\\.|févr\\.|avr\\.|juil\\.|sept\\.|oct\\.|nov\\.|déc\\.")
_UNITS = "€|%|h|kg|g|cl|ml|×|x|min|km|ans?|jours?|mois|semaines?"
# A digit, a space, then a month, a unit or the year after a month: the space becomes a no-break one.
_NUMBER_UNIT = re.compile(f"(\\d){_SPACE}(?=(?:{_UNITS})(?![\\w]))")
_DAY_MONTH = re.compile(f"(\\d){_SPACE}(?=(?:{_MONTHS})(?!\\w))", re.IGNORECASE)
_MONTH_YEAR = re.compile(f"((?:{_MONTHS})){_SPACE}(?=\\d{{4}}(?!\\d))", re.IGNORECASE)
_HOUR_MINUTES = re.compile(f"(\\d{NBSP}h){_SPACE}(?=\\d\\d(?!\\d))")
_DAY_NAME = re.compile(f"((?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)){_SPACE}(?=\\d)", re.IGNORECASE)


def typography(text: object) -> str:
    """``text`` with French spacing (see the module's docstring). Idempotent: applying it twice changes nothing."""
    text = str(text)
    if not text:
        return text
    text = _BEFORE_MARK.sub(NNBSP + r"\1", text)
    text = _AFTER_OPEN.sub("«" + NNBSP, text)
    text = _CLOSE_GLUED.sub(NNBSP + "»", text)
    text = _NUMBER_UNIT.sub(r"\1" + NBSP, text)
    text = _DAY_MONTH.sub(r"\1" + NBSP, text)
    text = _MONTH_YEAR.sub(r"\1" + NBSP, text)
    text = _HOUR_MINUTES.sub(r"\1" + NBSP, text)
    return _DAY_NAME.sub(r"\1" + NBSP, text)


_TAG = re.compile(r"(<!--.*?-->|<[^>]*>)", re.DOTALL)
_RAW = re.compile(r"<(style|script|pre|code|textarea)\b", re.IGNORECASE)
_ENTITY_SPACE = re.compile(r"&nbsp;|&#160;|&#xa0;|&#8239;|&#x202f;", re.IGNORECASE)


def typography_html(html: str) -> str:
    """``typography`` applied to the text between tags only: attributes, comments, ``<style>``, ``<script>``,
    ``<pre>`` and ``<code>`` are left exactly as written (CSS's ``color: red`` keeps its space). Entities for
    no-break spaces are first read as the characters they stand for, so ``«&nbsp;x&nbsp;»`` and ``« x »`` come
    out alike."""
    parts = _TAG.split(html)
    raw_until: str | None = None
    out: list[str] = []
    for index, part in enumerate(parts):
        if index % 2:  # a tag or a comment
            out.append(part)
            if raw_until is None:
                opened = _RAW.match(part)
                if opened:
                    raw_until = f"</{opened.group(1).lower()}"
            elif part.lower().startswith(raw_until):
                raw_until = None
            continue
        if raw_until is not None or not part:
            out.append(part)
            continue
        text = _ENTITY_SPACE.sub(lambda m: NNBSP if m.group(0).lower() in ("&#8239;", "&#x202f;") else NBSP, part)
        out.append(typography(text))
    return "".join(out)


_PLAIN_SPACES = str.maketrans({NBSP: " ", NNBSP: " ", "\u2009": " "})


def plain(text: object) -> str:
    """``text`` with its no-break and thin spaces made ordinary ones: for a CSV the tool writes, which is imported
    and searched rather than typeset (``lists/render.py``'s ``_csv_cell`` says why); the tests compare content
    through it too (tests/plain.py)."""
    return str(text).translate(_PLAIN_SPACES)


def guillemets(text: object) -> str:
    """``« text »`` with the narrow no-break spaces inside, so the quote never ends or starts a line alone."""
    return f"«{NNBSP}{text}{NNBSP}»"


def plural(count: int | float, one: str, many: str | None = None, *, show: bool = True, none: str = "") -> str:
    """``2 commandes``, ``1 commande``, ``0 commande``: French puts 0 and 1 in the singular. ``many`` defaults to
    ``one`` with an ``s`` (unchanged after s, x, z; ``x`` after -eau, -eu); give it for anything else
    (``plural(n, "nouveau foyer", "nouveaux foyers")``, ``plural(n, "envoyé", "envoyés")``). With ``show=False``
    only the word, for an agreement elsewhere in the sentence. ``none``: what to say for 0 instead
    (``plural(n, "commande", none="aucune commande")``). The number and its noun are joined by a no-break space."""
    if count == 0 and none and show:
        return none
    word = one if abs(count) < 2 else (many if many is not None else _plural_of(one))
    if not show:
        return word
    shown = f"{count:g}".replace(".", ",") if isinstance(count, float) else str(count)
    return f"{shown}{NBSP}{word}"


def _plural_of(word: str) -> str:
    if word.endswith(("s", "x", "z")):
        return word
    if word.endswith(("eau", "eu")):
        return word + "x"
    return word + "s"


_VOWEL = re.compile(r"^[aeiouyàâäéèêëîïôöùûüœæh]", re.IGNORECASE)
_MUTE_H_EXCEPTIONS = ("haut", "hall", "halle", "hameau", "hangar", "haricot", "hérisson", "houblon", "hêtre")


def _starts_with_vowel_sound(word: str) -> bool:
    lowered = word.lower()
    if lowered.startswith("h"):
        return not lowered.startswith(_MUTE_H_EXCEPTIONS)
    return bool(_VOWEL.match(word))


def _join(preposition: str, name: str) -> str:
    """``de``/``à`` joined to ``name``: articles contract (de le → du, de les → des, à le → au, à les → aux),
    ``de`` is elided before a vowel sound (de Élevage → d'Élevage), ``L'`` and ``La`` stay as they are."""
    name = name.strip()
    if not name:
        return preposition
    first, _, rest = name.partition(" ")
    article = first.lower()
    contracted = {("de", "le"): "du", ("de", "les"): "des", ("à", "le"): "au", ("à", "les"): "aux"}
    if rest and (preposition, article) in contracted:
        return f"{contracted[(preposition, article)]} {rest}"
    if article in ("la",) or article.startswith(("l'", "l’")):
        return f"{preposition} {name[0].lower()}{name[1:]}"
    if preposition == "de" and _starts_with_vowel_sound(name):
        return f"d'{name}"
    return f"{preposition} {name}"


def de(name: str) -> str:
    """``la liste des Paniers d'Azay``, ``du Fournil des Vignes``, ``de la Chèvrerie``, ``de l'Élevage``,
    ``d'Amélie Martin``, ``de Jean``: what ``de`` + a group's, producer's or person's name becomes."""
    return _join("de", name)


def a(name: str) -> str:
    """``aux Paniers d'Azay``, ``au Fournil``, ``à la Chèvrerie``, ``à l'Élevage``, ``à Jean``."""
    return _join("à", name)
