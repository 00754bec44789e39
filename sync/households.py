"""How a household is identified (its e-mail address, or, for a household without email, its phone or name), and
how it is named to people.

**One rule for names** (stated for the coordinator in ``docs/guide.md``):

- ``display_name``, « Anne Aubert » (first name, then last name): wherever the tool speaks to or about a person:
  emails and their greetings, the producers' emails, messages about an order, ``Commandes``, ``Foyers à
  recontacter``;
- ``list_name``, « Aubert Anne » (last name, then first name, each as typed): wherever a list is sorted by name
  for someone to find their line: ``Émargement``, the printable lists (PDFs and the producers' spreadsheets). Such a
  list is sorted by ``list_key`` (the last name, accents and case aside).

Most households order with an address, which is their key everywhere (trimmed, lower-case). A phone
order typed in ``Saisie manuelle`` with no ``Email`` is a household *without email*: its key is a
readable pseudo-key, written in the ``Email`` column of the derived tabs (``Commandes``,
``Émargement``, ``Pesées``...), so that each row still names one household and what people type beside
it is carried over:

- ``tél. 06 11 11 11 11``: the phone number (``values.parse_phone``, then its digits only, shown by
  pairs when French), so « 06 11 11 11 11 », « 0611111111 » and « +33 6 11 11 11 11 » are one household;
- ``nom : dupont marie``: failing a phone, the last and first names, folded (``values.fold``).

A pseudo-key never holds an « @ »: it never looks like an address, and the mail layer never writes to
it (``reachable``).
"""

from __future__ import annotations

import re
from typing import Any

from .values import Parsed, fold, parse_email, parse_phone

PHONE_MARK = "tél. "
NAME_MARK = "nom : "
_NOT_DIGITS = re.compile(r"\D")


def display_name(first_name: str, last_name: str, fallback: str = "") -> str:
    """« Anne Aubert »: how the tool names a household when it speaks to or about it; ``fallback`` (the address)
    when it has no name."""
    return " ".join(p for p in (first_name, last_name) if p) or fallback


def list_name(first_name: str, last_name: str, fallback: str = "") -> str:
    """« Aubert Anne »: how a list sorted by name shows a household (last name first, as it was typed: a name is
    people's text, never rewritten); the one name there is, or ``fallback``, when it lacks one."""
    if last_name and first_name:
        return f"{last_name} {first_name}"
    return last_name or first_name or fallback


def list_key(name: str) -> str:
    """What a list of ``list_name`` is sorted by: the name, accents and case aside."""
    return fold(name)


def phone_digits(raw: Any) -> str:
    """The digits of a phone number as ``parse_phone`` reads it, French national form when French ("" when
    there are none)."""
    digits = _NOT_DIGITS.sub("", parse_phone(raw).value)
    if len(digits) == 13 and digits.startswith("0033"):  # « 0033 6 11… »: the international prefix dialled
        digits = digits[2:]
    if len(digits) == 12 and digits.startswith("330"):  # « +33 (0)6 11… »: the national 0 kept in brackets
        digits = "33" + digits[3:]
    return parse_phone(digits).value if digits else ""  # « +33 6 11… » is 0611…, as 33611… is


def phone_key(raw: Any) -> str:
    """``tél. 06 11 11 11 11`` for any way of writing that number; "" when there is no number."""
    digits = phone_digits(raw)
    if not digits:
        return ""
    if len(digits) == 10 and digits.startswith("0"):
        digits = " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    return PHONE_MARK + digits


def name_key(first_name: str, last_name: str) -> str:
    """``nom : dupont marie`` (last name, first name, folded); "" when both are blank."""
    name = fold(" ".join(p for p in (last_name, first_name) if p).replace("@", " "))
    return NAME_MARK + name if name else ""


def key_without_email(phone: Any, first_name: str, last_name: str) -> str:
    """The key of a household without email: its phone, failing that its name ("" when it has neither)."""
    return phone_key(phone) or name_key(first_name, last_name)


def reachable(key: str) -> bool:
    """Whether a household key is an address the tool may write to (a pseudo-key never is)."""
    return "@" in key


def is_pseudo_key(key: str) -> bool:
    return key.startswith((PHONE_MARK, NAME_MARK))


def parse_key(raw: Any) -> Parsed:
    """A household as a person wrote it in a derived tab's ``Email`` cell (e.g. ``Pesées``): an address,
    or a pseudo-key, read back to the same key whatever the spacing or the case."""
    text = str(raw if raw is not None else "").strip()
    folded = fold(text).replace(" ", "")
    if folded.startswith("tel.") and "@" not in text:
        key = phone_key(text.split(".", 1)[1])  # after « tél. », with or without a space
        if key:
            return Parsed(key)
    if folded.startswith("nom:") and "@" not in text:
        name = fold(text.split(":", 1)[1]) if ":" in text else ""
        if name:
            return Parsed(NAME_MARK + name)
    return parse_email(raw)
