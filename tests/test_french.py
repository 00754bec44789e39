"""The one French-typography helper (sync/french.py): spacing, plurals, elision and contraction."""

from __future__ import annotations

import pytest

from sync.french import NBSP, NNBSP, a, de, guillemets, plain, plural, typography, typography_html


@pytest.mark.parametrize(("raw", "expected"), [
    ("Merci !", f"Merci{NNBSP}!"),
    ("Merci!", "Merci!"),  # no space typed: not ours to add (URLs, times)
    ("Bonne nouvelle : votre commande", f"Bonne nouvelle{NNBSP}: votre commande"),
    (f"Bonne nouvelle{NBSP}: oui", f"Bonne nouvelle{NNBSP}: oui"),
    ("Vraiment ? Oui ; non", f"Vraiment{NNBSP}? Oui{NNBSP}; non"),
    ("« Pain »", f"«{NNBSP}Pain{NNBSP}»"),
    ("«Pain»", f"«{NNBSP}Pain{NNBSP}»"),
    ("https://exemple.fr/?a=1 à 20:05", "https://exemple.fr/?a=1 à 20:05"),
    ("12,50 €", f"12,50{NBSP}€"),
    ("samedi 13 décembre 2026 à 9 h 30", f"samedi{NBSP}13{NBSP}décembre{NBSP}2026 à 9{NBSP}h{NBSP}30"),
    ("2 kg et 15 %", f"2{NBSP}kg et 15{NBSP}%"),
    ("3 × Pain", f"3{NBSP}× Pain"),
    ("Où regarder :\n  ! en tête de ligne\n! aussi", f"Où regarder{NNBSP}:\n  ! en tête de ligne\n! aussi"),
    (" : la suite d'une phrase (HTML)", f"{NNBSP}: la suite d'une phrase (HTML)"),
    ("", ""),
])
def test_typography(raw, expected):
    assert typography(raw) == expected
    assert typography(expected) == expected  # idempotent


def test_guillemets():
    assert guillemets("Vente de Noël") == f"«{NNBSP}Vente de Noël{NNBSP}»"
    assert typography(guillemets("x")) == guillemets("x")


def test_typography_html_a_text_after_a_tag_is_the_rest_of_a_sentence():
    html = 'voir<span class="sr"> : la carte</span>'
    assert typography_html(html) == f'voir<span class="sr">{NNBSP}: la carte</span>'


def test_typography_html_leaves_markup_and_style_alone():
    html = ('<style>p { color: red; }</style><p style="margin: 0;" title="a : b">Merci ! '
            '<a href="https://x.fr/?q=1">ici</a> «&nbsp;Pain&nbsp;» 4,50 €</p><!-- note : x -->')
    out = typography_html(html)
    assert "<style>p { color: red; }</style>" in out
    assert 'style="margin: 0;" title="a : b"' in out
    assert f"Merci{NNBSP}!" in out
    assert f"«{NNBSP}Pain{NNBSP}»" in out
    assert f"4,50{NBSP}€" in out
    assert "<!-- note : x -->" in out
    assert typography_html(out) == out


@pytest.mark.parametrize(("count", "one", "many", "expected"), [
    (0, "commande", None, f"0{NBSP}commande"),
    (1, "commande", None, f"1{NBSP}commande"),
    (2, "commande", None, f"2{NBSP}commandes"),
    (2, "nouveau foyer", "nouveaux foyers", f"2{NBSP}nouveaux foyers"),
    (3, "prix", None, f"3{NBSP}prix"),
    (3, "morceau", None, f"3{NBSP}morceaux"),
    (1.5, "kilo", None, f"1,5{NBSP}kilo"),
])
def test_plural(count, one, many, expected):
    assert plural(count, one, many) == expected


def test_plural_says_none_its_own_way():
    assert plural(0, "commande", none="aucune commande") == "aucune commande"
    assert plural(1, "commande", none="aucune commande") == f"1{NBSP}commande"


def test_plural_word_only():
    assert plural(0, "envoyé", "envoyés", show=False) == "envoyé"
    assert plural(4, "envoyé", "envoyés", show=False) == "envoyés"


@pytest.mark.parametrize(("name", "of", "to"), [
    ("Les Paniers d'Azay", "des Paniers d'Azay", "aux Paniers d'Azay"),
    ("Le Fournil des Vignes", "du Fournil des Vignes", "au Fournil des Vignes"),
    ("La Chèvrerie", "de la Chèvrerie", "à la Chèvrerie"),
    ("L'Élevage du Val", "de l'Élevage du Val", "à l'Élevage du Val"),
    ("Élevage Martin", "d'Élevage Martin", "à Élevage Martin"),
    ("Jean Dupont", "de Jean Dupont", "à Jean Dupont"),
    ("Hélène", "d'Hélène", "à Hélène"),
    ("Les", "de Les", "à Les"),  # a lone word is a name, not an article
])
def test_de_and_a(name, of, to):
    assert de(name) == of
    assert a(name) == to


def test_the_terminal_keeps_each_lines_indentation():
    from sync.terminal import printable

    assert printable("  ! note : x\n    - a ?") == f"  ! note{NNBSP}: x\n    - a{NNBSP}?"


def test_plain_undoes_the_spacing_for_a_csv():
    text = typography("Pain surprise ? 1 kg, « 2 jours »")
    assert plain(text) == "Pain surprise ? 1 kg, « 2 jours »"
    assert plain(plain(text)) == plain(text)
