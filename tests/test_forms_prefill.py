"""The « modifier ma commande » link: entry ids from the API's question ids, checked against a
pre-filled link pasted once, stored in the « Formulaire » tab, and never an incomplete link."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pandas as pd
from conftest import at
from fakes.forms_api import FormsApiFake
from plain import into

from sync import config as config_module
from sync import sheet
from sync.commands import Context, publish_form
from sync.forms import FormInfo, entry_id, form_info, prefill_url
from sync.forms.prefill import check_link, link_entries, merged_tab
from sync.orderbook import LINE_COLUMNS
from sync.questions import product_code

FORM_ID = "1FbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEF"


def publish(tmp_path, store, fake, link=None, out=None):
    forms = {"form_id": FORM_ID, **({"prefilled_link": link} if link else {})}
    config = config_module.from_dict({"forms": forms}, base_dir=tmp_path)
    ctx = Context(config, store, at("2026-11-20 10:00"), into(out if out is not None else []))
    return publish_form.run(ctx, sale="2026-12", session=fake.session(), sleep=lambda s: None)


def ui_prefilled_link(fake, answers: dict[str, str]) -> str:
    """What « Obtenir le lien prérempli » gives (entry numbers as Google shows them: see prefill.py)."""
    form = fake.forms[FORM_ID].view()
    params = []
    for item in form["items"]:
        if item.get("title") in answers:
            params.append(f"entry.{int(item['questionItem']['question']['questionId'], 16)}={answers[item['title']]}")
    return form["responderUri"] + "?usp=pp_url&" + "&".join(params)


def lines(*pairs, sale="2026-12") -> pd.DataFrame:
    rows = [{c: None for c in LINE_COLUMNS} | {"sale": sale, "email": "a@example.org", "product": p, "requested": q,
                                              "allocated": q} for p, q in pairs]
    return pd.DataFrame(rows, columns=LINE_COLUMNS, dtype=object)


def test_entry_id_is_the_question_id_in_decimal():
    assert entry_id("3c2a6e7e") == "1009413758"
    assert entry_id("16271a0f") == str(0x16271A0F)
    assert entry_id("not-hex!") is None


def test_links_stay_off_until_a_prefilled_link_proves_the_numbering(tmp_path, demo_store):
    fake = FormsApiFake()
    fake.add_form(FORM_ID)
    out: list[str] = []
    publish(tmp_path, demo_store, fake, out=out)
    assert "Liens « modifier ma commande » : désactivés, faute de lien prérempli" in "\n".join(out)
    info = form_info(demo_store.tabs[sheet.FORM.name], "2026-12")
    assert info is not None and info.entries == {} and info.maxima["VIA2"] == 4
    assert prefill_url(info, lines(("PAIN1", 2))) is None

    wrong = fake.forms[FORM_ID].view()["responderUri"] + "?usp=pp_url&entry.123456=Dupont"
    out.clear()
    publish(tmp_path, demo_store, fake, link=wrong, out=out)
    assert "ne correspondent à aucune question" in "\n".join(out)
    assert form_info(demo_store.tabs[sheet.FORM.name], "2026-12").entries == {}

    link = ui_prefilled_link(fake, {"Nom": "Dupont", "Prénom": "Marie"})
    out.clear()
    publish(tmp_path, demo_store, fake, link=link, out=out)
    assert "Liens « modifier ma commande » : activés" in "\n".join(out)
    tab = demo_store.tabs[sheet.FORM.name]
    assert tab[0] == sheet.FORM.header
    assert len(tab) == 1 + 4 + 34  # Nom, Prénom, Téléphone, Commentaire and 34 products
    info = form_info(sheet.read_table(tab, sheet.FORM), "2026-12")
    assert set(info.entries) == {"Nom", "Prénom", "Téléphone", "Commentaire", *info.maxima}

    household = {"last_name": "Moreau-Lefèvre", "first_name": "Claire", "phone": "07 10 00 00 05",
                 "comment": "Je passerai vers 18 h 30 & merci !"}
    url = prefill_url(info, lines(("PAIN1", 2), ("VIA2", 1), ("LEG3", 0)), household)
    parts = urlsplit(url)
    assert url.startswith(fake.forms[FORM_ID].view()["responderUri"] + "?usp=pp_url&entry.")
    answers = dict(parse_qsl(parts.query))
    # Each entry.N leads back (through the form's question ids) to the right question.
    titles = {str(int(i["questionItem"]["question"]["questionId"], 16)): i["title"]
              for i in fake.forms[FORM_ID].items if "questionItem" in i}
    got = {titles[k[len("entry."):]]: v for k, v in answers.items() if k.startswith("entry.")}
    assert got.pop("Nom") == "Moreau-Lefèvre" and got.pop("Prénom") == "Claire"
    assert got.pop("Téléphone") == "07 10 00 00 05" and got.pop("Commentaire") == household["comment"]
    assert {product_code(t): v for t, v in got.items()} == {"PAIN1": "2", "VIA2": "1"}  # 0 is not pre-filled


def test_never_an_incomplete_link():
    info = FormInfo("2026-12", "https://docs.google.com/forms/d/e/1FAIpQLSabc/viewform",
                    {"Nom": "11", "PAIN1": "22", "VIA2": "33"}, {"PAIN1": 10, "VIA2": 4})
    assert prefill_url(info, lines(("PAIN1", 1))) == ("https://docs.google.com/forms/d/e/1FAIpQLSabc/viewform"
                                                      "?usp=pp_url&entry.22=1")
    assert prefill_url(info, lines(("PAIN1", 1), ("LEG1", 1))) is None  # a product the form has not
    assert prefill_url(info, lines(("VIA2", 5))) is None  # more than its menu now offers
    assert prefill_url(info, lines(("PAIN1", 1), sale="2026-11")) is None  # another sale's order
    assert prefill_url(info, lines(("PAIN1", 1), ("PAIN1", 2))) is None  # an order book not as agreed
    assert prefill_url(info, lines()) is None  # nothing to pre-fill: no « modifier » link
    assert prefill_url(None, lines(("PAIN1", 1))) is None
    assert prefill_url(info, [{"product": "PAIN1", "requested": 3}], pd.Series({"last_name": "Roux"})) == (
        "https://docs.google.com/forms/d/e/1FAIpQLSabc/viewform?usp=pp_url&entry.11=Roux&entry.22=3")


def test_check_link():
    form = {"responderUri": "https://docs.google.com/forms/d/e/1FAIpQLSabcdefghij/viewform",
            "items": [{"questionItem": {"question": {"questionId": "0000000b"}}},
                      {"questionGroupItem": {"questions": [{"questionId": "0000000c"}]}}]}
    ok, sentence = check_link(form["responderUri"] + "?usp=pp_url&entry.11=a&entry.12=b", [form])
    assert ok and "activés" in sentence
    ok, sentence = check_link("https://docs.google.com/forms/d/e/1FAIpQLSotherform/viewform?entry.11=a", [form])
    assert not ok and "d'un autre formulaire" in sentence
    assert not check_link(form["responderUri"], [form])[0]
    assert link_entries("https://x/viewform?usp=pp_url&entry.11=a+b&entry.12=%C3%A9&other=1") == {"11": "a b",
                                                                                                "12": "é"}


def test_the_tab_keeps_other_forms_and_drops_what_this_form_no_longer_serves():
    header = sheet.FORM.header
    old = [header,
           ["2026-11", "20/10/2026 10:00", "https://f/same", "PAIN1", "t", "1", "10"],
           ["2026-NOEL", "20/11/2026 10:00", "https://f/noel", "PAIN5", "t", "2", "10"],
           ["2026-12", "01/11/2026 10:00", "https://f/same", "PAIN1", "t", "1", "10"]]
    new = merged_tab(old, [["2026-12", "20/11/2026 10:00", "https://f/same", "PAIN2", "t", "3", "10"]], "2026-12",
                     "https://f/same")
    assert [row[0] for row in new[1:]] == ["2026-NOEL", "2026-12"] and new[2][3] == "PAIN2"
    assert form_info(new, "2026-11") is None
