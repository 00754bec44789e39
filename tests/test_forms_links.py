"""Which form a sale or the configuration names: an edit address (or its id) opens it, a public
address only identifies it."""

from __future__ import annotations

import pytest

from sync.errors import UsageError
from sync.forms.links import edit_id, published_id, same_form, target

EDIT_ID = "1FbCdEfGhIjKlMnOpQrStUvWxYz0123456789abc"
PUBLIC = "https://docs.google.com/forms/d/e/1FAIpQLSdXyZ0123456789abcdef/viewform?usp=sf_link"


def test_ids_from_addresses():
    assert edit_id(EDIT_ID) == EDIT_ID
    assert edit_id(f"https://docs.google.com/forms/d/{EDIT_ID}/edit#responses") == EDIT_ID
    assert edit_id(f"https://docs.google.com/forms/u/0/d/{EDIT_ID}/edit") == EDIT_ID
    assert edit_id(PUBLIC) is None and edit_id("https://forms.gle/AbC123") is None and edit_id("") is None
    assert published_id(PUBLIC) == "1FAIpQLSdXyZ0123456789abcdef"
    assert same_form("https://docs.google.com/forms/d/e/1FAIpQLSdXyZ0123456789abcdef/viewform", published_id(PUBLIC))


def test_the_form_a_sale_uses():
    chosen = target("2026-12", PUBLIC, f"https://docs.google.com/forms/d/{EDIT_ID}/edit")
    assert (chosen.form_id, chosen.published) == (EDIT_ID, "1FAIpQLSdXyZ0123456789abcdef")
    own = target("2026-NOEL", "https://docs.google.com/forms/d/1NoelAbcdefghijklmnopqrstu/edit", EDIT_ID)
    assert own.form_id == "1NoelAbcdefghijklmnopqrstu" and "2026-NOEL" in own.named_by
    short = target("2026-12", "https://forms.gle/AbC123", EDIT_ID)
    assert short.published is None and "n'a pas pu être comparé" in short.note
    assert target("2026-12", "", EDIT_ID).note == ""


def test_a_form_must_be_named():
    with pytest.raises(UsageError, match=r"Aucun formulaire désigné.*adresse publique"):
        target("2026-12", PUBLIC, None)
    with pytest.raises(UsageError, match="n'est pas l'identifiant d'un formulaire"):
        target("2026-12", "", PUBLIC)
