"""Which Google Form a sale or the configuration names.

A form has two addresses. Its edit address, ``https://docs.google.com/forms/d/<FORM_ID>/edit``,
holds the id the Forms API works with. Its public address, the one sent to households,
``https://docs.google.com/forms/d/e/<PUBLISHED_ID>/viewform``, holds another id that the API only
gives back (``responderUri``): it cannot be used to open the form, but it tells whether a form is
the one a sale's « Lien formulaire » points to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import UsageError

_EDIT = re.compile(r"/forms(?:/u/\d+)?/d/(?!e/)(?P<id>[A-Za-z0-9_-]{10,})")
_PUBLISHED = re.compile(r"/forms(?:/u/\d+)?/d/e/(?P<id>[A-Za-z0-9_-]{10,})")
_BARE_ID = re.compile(r"^[A-Za-z0-9_-]{20,}$")


def edit_id(text: str | None) -> str | None:
    """The form id in an edit address, or a bare id as pasted in the configuration."""
    text = (text or "").strip()
    if not text:
        return None
    if _BARE_ID.match(text):
        return text
    match = _EDIT.search(urlsplit(text).path) if "://" in text else None
    return match.group("id") if match else None


def published_id(text: str | None) -> str | None:
    """The id in a public (``/d/e/…/viewform``) address."""
    text = (text or "").strip()
    match = _PUBLISHED.search(urlsplit(text).path) if "://" in text else None
    return match.group("id") if match else None


@dataclass(frozen=True)
class Target:
    form_id: str
    named_by: str  # French: where the form is named (« la configuration ([forms] form_id) », « la vente … »)
    published: str | None = None  # the public id the sale's link names: the form must have it
    note: str = ""  # French, printed: a link that could not be checked


def target(sale_code: str, sale_link: str, configured: str | None) -> Target:
    """The form to rewrite for a sale: named by the sale's « Lien formulaire » (an edit address) or by
    ``[forms] form_id``; never any other. A public address in the sale must then be that form's."""
    own = edit_id(sale_link) if sale_link and not published_id(sale_link) else None
    if own:
        return Target(own, f"la colonne « Lien formulaire » de la vente {sale_code}")
    form_id = edit_id(configured)
    if configured and not form_id:
        raise UsageError(
            f"[forms] form_id = « {configured} » n'est pas l'identifiant d'un formulaire : copiez la partie entre "
            "/forms/d/ et /edit de l'adresse du formulaire quand vous le modifiez (l'adresse en /forms/d/e/…, "
            "celle que l'on envoie aux foyers, ne convient pas).")
    if not form_id:
        hint = ""
        if published_id(sale_link):
            hint = (" Le lien de la vente est l'adresse publique du formulaire : elle ne permet pas de le modifier.")
        raise UsageError(
            "Aucun formulaire désigné : indiquez dans la configuration, section [forms], form_id = l'identifiant "
            "du formulaire (la partie entre /forms/d/ et /edit de son adresse quand vous le modifiez)." + hint)
    published = published_id(sale_link)
    note = ""
    if sale_link and not published:
        note = (f"Le « Lien formulaire » de la vente {sale_code} ({sale_link}) n'a pas pu être comparé au formulaire "
                "(lien court ou inhabituel) : vérifiez qu'il mène bien au formulaire publié.")
    return Target(form_id, "la configuration ([forms] form_id)", published, note)


def same_form(responder_uri: str | None, published: str) -> bool:
    return published_id(responder_uri) == published
