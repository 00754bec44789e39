"""The « modifier ma commande » link: the form opened pre-filled with a household's current order.

A pre-filled link is the form's public address with one ``entry.<N>=<answer>`` per question
(``…/viewform?usp=pp_url&entry.1009413758=2``). The Forms API does not give ``N``: it gives each
question a ``questionId``, a short hexadecimal string (``"3c2a6e7e"``). The rule used here is that
``N`` is that same number written in decimal (``int("3c2a6e7e", 16) == 1009413758``).

How sure is that rule? Google does not document it. Public evidence: a developer's write-up of the
Forms API (qiita.com/que9/items/19dd5a3b24d654be9c7c: « entry.<questionId converted to decimal> »,
checked against the link the Forms UI makes) and several independent public projects that build
pre-filled links from API question ids the same way (``entry.${parseInt(questionId, 16)}``), one of
them from the ids that ``batchUpdate`` returns for questions it has just created. The API ids seen
in public examples are 8 hex digits (``"16271a0f"``), the ``entry`` numbers 9 or 10 decimal digits:
consistent. Fairly sure, then, but not promised by Google, and a wrong link is worse than none
(the household would send back an order with products silently missing).

So the rule is CHECKED on each form before any link is made: the coordinator pastes once, in
``[forms] prefilled_link``, a pre-filled link made by the Forms UI (« Obtenir le lien prérempli »).
At every publication, each ``entry.N`` of that link must be the decimal of a question id of the form
(before or after the update); only then are the entry ids written to the « Formulaire » tab, and
``prefill_url`` makes links. Without that link, or if it does not match, the tab has no entry ids,
``prefill_url`` returns None and confirmation emails simply have no « modifier » link.

``prefill_url`` also returns None rather than an incomplete link: a product of the order with no
known entry id, or a quantity the product's menu no longer offers (the stock went down), or an
order of another sale than the form's.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pandas as pd

from .. import sheet
from ..sheet import Grid, Table
from ..values import fold, is_blank, parse_count, parse_text, sheet_datetime
from .build import FIELDS
from .changes import item_key
from .links import published_id


def entry_id(question_id: str) -> str | None:
    """The ``entry.N`` number of a question, from its API id (see the module's docstring); None if the id
    is not hexadecimal (Google changed its format: the check then fails and no link is made)."""
    try:
        return str(int(str(question_id), 16))
    except ValueError:
        return None


def question_ids(form: dict) -> list[str]:
    """Every question id of a form, grid rows included."""
    ids = []
    for item in form.get("items", []):
        question = item.get("questionItem", {}).get("question")
        if question and question.get("questionId"):
            ids.append(question["questionId"])
        for row in item.get("questionGroupItem", {}).get("questions", []):
            if row.get("questionId"):
                ids.append(row["questionId"])
    return ids


def link_entries(link: str) -> dict[str, str]:
    """``{N: answer}`` of a pre-filled link's ``entry.N`` parameters."""
    query = urlsplit((link or "").strip()).query
    return {key[len("entry."):]: value for key, value in parse_qsl(query, keep_blank_values=True)
            if key.startswith("entry.") and key[len("entry."):].isdigit()}


def check_link(link: str | None, forms: Iterable[dict]) -> tuple[bool, str]:
    """Whether the coordinator's pre-filled link proves the entry-id rule on this form, and a French
    sentence saying so (or what to do)."""
    forms = [f for f in forms if f]
    guide = "voir docs/formulaire.md, « Les liens modifier ma commande »"
    if not (link or "").strip():
        return False, ("Liens « modifier ma commande » : désactivés, faute de lien prérempli dans la configuration "
                       f"([forms] prefilled_link ; {guide}).")
    entries = link_entries(link)
    if not entries:
        return False, ("Liens « modifier ma commande » : désactivés, le lien prérempli de la configuration ne "
                       "contient aucune réponse (entry.…) : remplissez au moins Nom et Prénom avant de le copier "
                       f"({guide}).")
    published = published_id(link)
    responders = {published_id(f.get("responderUri")) for f in forms}
    if published and published not in responders:
        return False, ("Liens « modifier ma commande » : désactivés, le lien prérempli de la configuration est celui "
                       f"d'un autre formulaire : copiez-en un depuis ce formulaire-ci ({guide}).")
    known = {entry_id(q) for f in forms for q in question_ids(f)}
    missing = sorted(e for e in entries if e not in known)
    if missing:
        return False, ("Liens « modifier ma commande » : désactivés, les numéros du lien prérempli de la "
                       f"configuration (entry.{missing[0]}) ne correspondent à aucune question du formulaire : "
                       f"copiez un nouveau lien prérempli depuis le formulaire publié ({guide}).")
    return True, ("Liens « modifier ma commande » : activés (numérotation des questions vérifiée avec le lien "
                  "prérempli de la configuration).")


@dataclass(frozen=True)
class FormInfo:
    """What a pre-filled link needs from a sale's published form."""

    sale: str
    responder_uri: str
    entries: Mapping[str, str] = field(default_factory=dict)  # "Nom", "Prénom", …, or a product code -> N
    maxima: Mapping[str, int] = field(default_factory=dict)  # product code -> the highest quantity offered


def form_rows(form: dict, sale: str, known_codes: frozenset[str], verified: bool, now: datetime) -> Grid:
    """The « Formulaire » tab's rows for one sale (no header): one per answer column of the form."""
    names = {fold(name): name for name in FIELDS}
    link = form.get("responderUri", "")
    rows = []
    for item in form.get("items", []):
        key = item_key(item, known_codes)
        if key is None or key.startswith("section:"):
            continue
        question = item["questionItem"]["question"]
        kind, _, what = key.partition(":")
        field_name = names[what] if kind == "field" else what
        entry = entry_id(question.get("questionId", "")) if verified else None
        most = ""
        if kind == "product":
            numbers = [int(o["value"]) for o in question["choiceQuestion"].get("options", [])
                       if str(o.get("value", "")).isdigit()]
            most = max(numbers) if numbers else ""
        rows.append([sale, sheet_datetime(now), link, field_name, item.get("title", ""), entry or "", most])
    return rows


def merged_tab(old: Grid | None, rows: Grid, sale: str, responder_uri: str) -> Grid:
    """The new « Formulaire » tab: ``rows`` for this sale, instead of the rows of this sale and of any other
    sale published on the same form (that form no longer serves them)."""
    header = sheet.FORM.header
    kept = []
    if old:
        table = sheet.read_table(old, sheet.FORM)
        for record in table.frame.to_dict("records"):
            if record["Vente"] == sale or (responder_uri and record["Lien"] == responder_uri):
                continue
            kept.append([sheet.cell(record.get(name)) for name in header])
    return [header, *kept, *rows]


def form_info(tab: Table | Grid | None, sale: str) -> FormInfo | None:
    """The published form of ``sale`` as the « Formulaire » tab records it; None if it was never published."""
    if tab is None:
        return None
    table = tab if isinstance(tab, Table) else sheet.read_table(tab, sheet.FORM)
    frame = table.frame
    if frame.empty or "Vente" not in frame:
        return None
    rows = frame[frame["Vente"].map(lambda v: parse_text(v).value) == sale]
    if rows.empty:
        return None
    entries: dict[str, str] = {}
    maxima: dict[str, int] = {}
    for record in rows.to_dict("records"):
        name = parse_text(record.get("Champ")).value
        entry = _digits(record.get("Entrée"))
        if name and entry:
            entries[name] = entry
        most = parse_count(record.get("Choix max")).value
        if name and most is not None:
            maxima[name] = most
    return FormInfo(sale, parse_text(rows.iloc[0]["Lien"]).value, entries, maxima)


def _digits(raw: Any) -> str | None:
    """An entry number as the sheet holds it (text, or a number a spreadsheet made of it); None if blank."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = parse_text(raw).value
    return text if text.isdigit() else None


_HOUSEHOLD_FIELDS = (("Nom", "last_name"), ("Prénom", "first_name"), ("Téléphone", "phone"),
                     ("Commentaire", "comment"))


def prefill_url(info: FormInfo | None, household_lines: pd.DataFrame | Iterable[Mapping[str, Any]],
                household: Mapping[str, Any] | pd.Series | None = None) -> str | None:
    """The form of ``info.sale`` pre-filled with one household's order, or None when it cannot be exact.

    ``household_lines``: the household's rows of ``OrderBook.lines`` (``product``, ``requested``, and
    ``sale`` if present); the quantities pre-filled are those of its latest submission (``requested``),
    since sending the form again replaces that submission. ``household``: its row of
    ``OrderBook.households`` (``last_name``, ``first_name``, ``phone``, ``comment``), optional.
    """
    if info is None or not info.responder_uri:
        return None
    params: list[tuple[str, str]] = []
    if household is not None:
        for name, column in _HOUSEHOLD_FIELDS:
            value = household.get(column)
            if not is_blank(value) and info.entries.get(name):
                params.append((f"entry.{info.entries[name]}", str(value).strip()))
    records = household_lines.to_dict("records") if isinstance(household_lines, pd.DataFrame) else household_lines
    seen: set[str] = set()
    for line in records:
        if line.get("sale") not in (None, info.sale):
            return None
        product = str(line.get("product") or "")
        quantity = line.get("requested")
        if not product or product in seen or not isinstance(quantity, numbers.Integral) or isinstance(quantity, bool):
            return None
        seen.add(product)
        quantity = int(quantity)
        if quantity <= 0:
            continue
        entry, most = info.entries.get(product), info.maxima.get(product)
        if not entry or most is None or quantity > most:
            return None
        params.append((f"entry.{entry}", str(quantity)))
    if not params:
        return None
    parts = urlsplit(info.responder_uri)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "usp"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("usp", "pp_url"), *params])))
