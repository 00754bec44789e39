"""The one batch of requests that turns the form as it is into the form a sale needs (pure).

Each answer column of the linked sheet belongs to one question id: a question deleted and created
again, even with the same title, gets a new id and so a NEW column, and the old one stays. So the
batch keeps every question that is already there (the household's Nom, Prénom, Téléphone,
Commentaire; each product still offered, recognised by its code) and only rewrites its title and
choices in place (``updateItem`` with its ids), moves it where it belongs, deletes what the sale
does not offer and creates what is new. A product keeps its column month after month.

Order of the requests, so that every index is unambiguous: the form's title and description; the
deletions from the last item up; then, position by position, either a kept item moved back to that
position (a move is always towards the top, where « before » and « after » the move mean the same
index) and updated if it changed, or a new item created there; the new items after the last kept one are
created from the bottom up (``_append``), so that every index is one the reference allows.
``tests/test_forms_publish.py`` replays random forms through the fake API and checks the result is exactly
the planned form.

A question created (or renamed) with the title of a column the response tab already has would give
two columns with the same header, and only the first is read: its title then gets the sale's code,
``PAIN1 · Pain de campagne 1 kg — 4,50 € (2026-12)``, which still starts with the product code.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..questions import product_code
from ..values import fold
from .build import FIELDS, MENU, SECTION, FormItem, FormPlan

_FIELD_KEYS = {fold(name): f"field:{fold(name)}" for name in FIELDS}


def item_key(item: dict, known: frozenset[str]) -> str | None:
    """What an item already in the form is, in the terms of ``FormItem.key`` (None: not ours)."""
    title = item.get("title", "")
    if "pageBreakItem" in item:
        return f"section:{fold(title)}"
    question = item.get("questionItem", {}).get("question")
    if question is None:
        return None
    if "textQuestion" in question:
        return _FIELD_KEYS.get(fold(title))
    if "choiceQuestion" in question:
        code = product_code(title, known)
        return f"product:{code}" if code else None
    return None


_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})


def same_text(text: str) -> str:
    """A text as compared with what Forms kept of it: whether Forms keeps the non-breaking spaces sent
    ("4,50\u00a0€") or turns them into ordinary ones, the reference does not say; either way a household
    sees the same text, so a second publication must not send it again."""
    return (text or "").translate(_SPACES)


def comparable(item: dict) -> tuple:
    """What the household sees of an item, whatever ids, default values or kinds of space the API adds, omits
    or changes."""
    item = _spaces_alike(item)
    title, description = item.get("title", ""), item.get("description", "")
    if "pageBreakItem" in item:
        return ("section", title, description)
    question = item.get("questionItem", {}).get("question", {})
    required = bool(question.get("required", False))
    if "choiceQuestion" in question:
        choice = question["choiceQuestion"]
        options = tuple(o.get("value", "") for o in choice.get("options", []))
        return ("choice", title, description, required, choice.get("type"), options, bool(choice.get("shuffle")))
    if "textQuestion" in question:
        return ("text", title, description, required, bool(question["textQuestion"].get("paragraph")))
    return ("other", repr(sorted(item)))


def _spaces_alike(node):
    if isinstance(node, str):
        return same_text(node)
    if isinstance(node, list):
        return [_spaces_alike(v) for v in node]
    if isinstance(node, dict):
        return {k: _spaces_alike(v) for k, v in node.items()}
    return node


@dataclass
class Publication:
    requests: list[dict]
    items: list[FormItem]  # the planned items, titles made unique against the sheet's columns
    kept: list[str] = field(default_factory=list)  # titles of questions kept (same column)
    updated: list[str] = field(default_factory=list)  # kept questions whose title or choices change
    created: list[str] = field(default_factory=list)  # titles of new questions (new columns)
    removed: list[str] = field(default_factory=list)  # titles of questions deleted (their column stays)
    renamed: list[str] = field(default_factory=list)  # titles completed with the sale's code
    fresh: bool = False  # no question of the form was ours: its first publication

    @property
    def changed(self) -> bool:
        return bool(self.requests)


def plan_changes(form: dict, plan: FormPlan, taken_headers: list[str] = ()) -> Publication:
    """The requests of ONE ``batchUpdate`` (all or nothing) from ``form`` (as ``forms.get`` returns it)
    to ``plan``. ``taken_headers``: the response tab's header, to avoid giving a column's title twice."""
    existing = list(form.get("items", []))
    keys = [item_key(item, plan.known_codes) for item in existing]
    first: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key is not None:
            first.setdefault(key, index)
    matched: dict[int, int] = {}  # planned position -> index in the form
    for position, item in enumerate(plan.items):
        if item.key in first:
            matched[position] = first.pop(item.key)

    # A form none of whose questions are ours yet (a new form) sends its answers to a NEW tab of the
    # workbook once linked: the configured response tab's header says nothing about its columns.
    fresh = not any(plan.items[position].is_question for position in matched)
    items = _unique_titles(plan, existing, matched, () if fresh else taken_headers)
    publication = Publication([], items, fresh=fresh)
    publication.renamed = [new.title for new, planned in zip(items, plan.items, strict=True)
                           if new.title != planned.title]
    requests = publication.requests
    info = form.get("info", {})
    if tuple(map(same_text, (info.get("title", ""), info.get("description", "")))) != \
            tuple(map(same_text, (plan.title, plan.description))):
        requests.append({"updateFormInfo": {"info": plan.info, "updateMask": "title,description"}})

    kept_indexes = set(matched.values())
    for index in range(len(existing) - 1, -1, -1):
        if index not in kept_indexes:
            requests.append({"deleteItem": {"location": {"index": index}}})
            if "questionItem" in existing[index] or "questionGroupItem" in existing[index]:
                publication.removed.insert(0, existing[index].get("title", ""))

    current: list[int | None] = [i for i in range(len(existing)) if i in kept_indexes]
    for position, item in enumerate(items):
        if position == len(current):  # every kept item is placed: the rest are new, at the end of the form
            _append(requests, items[position:], len(current))
            publication.created.extend(i.title for i in items[position:] if i.is_question)
            break
        if position not in matched:
            requests.append({"createItem": {"item": item.api(), "location": {"index": position}}})
            current.insert(position, None)
            if item.is_question:
                publication.created.append(item.title)
            continue
        old = existing[matched[position]]
        where = current.index(matched[position])
        if where != position:  # always towards the top: see the module's docstring
            requests.append({"moveItem": {"originalLocation": {"index": where}, "newLocation": {"index": position}}})
            current.insert(position, current.pop(where))
        if item.is_question:
            publication.kept.append(item.title)
        if comparable(old) != comparable(item.api()):
            requests.append({"updateItem": {"item": _with_ids(item, old), "location": {"index": position},
                                            "updateMask": _mask(item)}})
            if item.is_question:
                publication.updated.append(item.title)
    return publication


def _append(requests: list[dict], new: list[FormItem], count: int) -> None:
    """Requests that put ``new`` after the ``count`` items of the form, at indexes the reference allows.

    The reference says a location index is "in the range [0..N)" (creating at N, an append, is what public
    projects do, but not what it says). So the items are created from the last one up, each just above the
    one created before it; in a form that already has items, the last of them is created above the form's
    last item, which then moves up above it (a move towards the top: unambiguous, see the module's
    docstring). An empty form takes index 0, as in Google's own guide."""
    for step, item in enumerate(reversed(new)):
        if step == 0 and count:
            requests.append({"createItem": {"item": item.api(), "location": {"index": count - 1}}})
            requests.append({"moveItem": {"originalLocation": {"index": count}, "newLocation": {"index": count - 1}}})
        else:
            requests.append({"createItem": {"item": item.api(), "location": {"index": count}}})


def _with_ids(item: FormItem, old: dict) -> dict:
    """The planned item carrying the ids of the item it updates: its question keeps its column."""
    body = item.api()
    body["itemId"] = old.get("itemId")
    question_id = old.get("questionItem", {}).get("question", {}).get("questionId")
    if question_id and "questionItem" in body:
        body["questionItem"]["question"]["questionId"] = question_id
    return body


def _mask(item: FormItem) -> str:
    return "title,description" if item.kind == SECTION else "title,description,questionItem"


def _unique_titles(plan: FormPlan, existing: list[dict], matched: dict[int, int],
                   taken_headers: list[str]) -> list[FormItem]:
    """Planned items whose product titles do not repeat another column's header of the response tab."""
    taken = {fold(h) for h in taken_headers if str(h).strip()}
    items = []
    for position, item in enumerate(plan.items):
        old_title = existing[matched[position]].get("title", "") if position in matched else None
        if item.kind != MENU or (old_title is not None and same_text(item.title) == same_text(old_title)):
            items.append(item)
            continue
        others = taken - ({fold(old_title)} if old_title is not None else set())
        title = item.title
        if fold(title) in others:
            if old_title is not None and same_text(old_title).startswith(f"{same_text(item.title)} ("):
                title = old_title  # already completed the last time: keep that title and its column
            else:
                title = f"{item.title} ({plan.sale})"
                count = 2
                while fold(title) in others:
                    title, count = f"{item.title} ({plan.sale}, {count})", count + 1
        items.append(replace(item, title=title) if title != item.title else item)
    return items
