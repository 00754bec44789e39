"""``paniers publish-form`` against the in-process fake of the Forms API: the exact batch sent for the
demo sale 2026-12, and what a republication keeps (question ids, hence the sheet's answer columns)."""

from __future__ import annotations

import random

import pytest
from conftest import at
from fakes.forms_api import FormsApiFake
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plain import into

from sync import catalogue, sheet, snapshot
from sync import config as config_module
from sync.commands import Context, publish_form
from sync.errors import UsageError
from sync.forms import build_form, plan_changes
from sync.forms.changes import item_key

FORM_ID = "1FbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEF"
BEFORE_DECEMBER = at("2026-11-20 10:00")


@pytest.fixture
def fake() -> FormsApiFake:
    fake = FormsApiFake()
    fake.add_form(FORM_ID)
    return fake


@pytest.fixture
def forms_config(tmp_path):
    return config_module.from_dict({"forms": {"form_id": FORM_ID}}, base_dir=tmp_path)


def make_ctx(config, store, now=BEFORE_DECEMBER, output=None):
    return Context(config, store, now, into(output if output is not None else []))


def publish(ctx, fake, sale="2026-12"):
    return publish_form.run(ctx, sale=sale, session=fake.session(), sleep=lambda s: None)


def items_of(fake) -> list[dict]:
    return fake.forms[FORM_ID].items


def test_the_batch_sent_for_the_demo_sale(forms_config, demo_store, fake):
    out: list[str] = []
    assert publish(make_ctx(forms_config, demo_store, output=out), fake) == 0

    assert [(c.method, c.path) for c in fake.calls] == [
        ("GET", f"/v1/forms/{FORM_ID}"), ("POST", f"/v1/forms/{FORM_ID}:batchUpdate")]
    body = fake.batches()[0]
    assert body["writeControl"] == {"requiredRevisionId": "rev00001"}  # the revision just read
    assert body["includeFormInResponse"] is True
    requests = body["requests"]
    assert requests[0] == {"updateFormInfo": {"info": {
        "title": "Vente de décembre — Les Paniers du CIVAM",
        "description": (
            "Commandes du lundi 30 novembre 2026 à 8 h au jeudi 10 décembre 2026 à 20 h.\n"
            "Distribution le vendredi 11 décembre 2026 de 17 h à 19 h, Salle des fêtes, 2 rue des Tilleuls, "
            "36600 Valençay.\n\nPensez à apporter vos sacs et vos boîtes à œufs vides !\n\n"
            "Choisissez une quantité pour chaque produit voulu et laissez les autres vides. Pour modifier votre "
            "commande, renvoyez le formulaire en entier : seule votre dernière réponse compte.\n"
            "« (limité) » : quantité limitée pour toute la vente ; si les commandes la dépassent, certaines seront "
            "réduites.\nProduits vendus au poids : le prix affiché est une estimation, vous paierez le poids réel."),
    }, "updateMask": "title,description"}}
    assert requests[1] == {"deleteItem": {"location": {"index": 0}}}  # Google's « Question sans titre »
    created = [r["createItem"] for r in requests[2:]]
    assert len(requests) == 2 + len(created)
    # the form is empty now: each item is created at index 0, from the last one up (an index "in the range
    # [0..N)", as the reference says; never N)
    assert [c["location"]["index"] for c in created] == [0] * 47

    items = [c["item"] for c in reversed(created)]
    assert items[:3] == [
        {"title": "Nom", "questionItem": {"question": {"required": True, "textQuestion": {}}}},
        {"title": "Prénom", "questionItem": {"question": {"required": True, "textQuestion": {}}}},
        {"title": "Téléphone", "description": "Pour vous joindre le jour de la distribution en cas d'imprévu.",
         "questionItem": {"question": {"required": False, "textQuestion": {}}}},
    ]
    assert items[3] == {"title": "Le Fournil des Vignes", "pageBreakItem": {},
                        "description": "Paiement : chèque, espèces (chèques à l'ordre de « Le Fournil des Vignes »)."}
    menu = [{"value": str(n)} for n in range(11)]
    assert items[4] == {"title": "PAIN1 · Pain de campagne 1 kg — 4,50\u00a0€",
                        "description": "Levain naturel, farine T80",
                        "questionItem": {"question": {"required": False, "choiceQuestion": {
                            "type": "DROP_DOWN", "options": menu}}}}
    by_title = {item["title"].split(" ")[0]: item for item in items}
    veal = by_title["VIA2"]  # sold by weight, stock 4: the menu stops at 4
    assert veal["title"] == ("VIA2 · Colis de veau le colis (5 kg environ) — 17,00\u00a0€/kg, environ 85,00\u00a0€ "
                             "(limité)")
    assert veal["description"] == ("Vendu au poids : environ 5 kg, environ 85,00\u00a0€ ; vous paierez le poids réel "
                                   "(17,00\u00a0€/kg).\nQuantité limitée : 4 pour toute la vente.\n"
                                   "Rôti, escalopes, blanquette, côtes")
    assert veal["questionItem"]["question"]["choiceQuestion"]["options"] == menu[:5]
    assert items[-2:] == [
        {"title": "Pour finir", "pageBreakItem": {}, "description": "Vérifiez votre commande (bouton « Retour »), "
         "puis envoyez-la : vous recevrez une confirmation par e-mail."},
        {"title": "Commentaire", "description": "Une précision, une heure de passage, une question…",
         "questionItem": {"question": {"required": False, "textQuestion": {"paragraph": True}}}},
    ]

    # The order: the household, then each producer in the Producteurs order with its products in the
    # Produits order; inactive products (POM8) and products of other sales (Christmas) are absent.
    outline = [("§ " + i["title"]) if "pageBreakItem" in i else i["title"].split(" ")[0] for i in items]
    assert outline == [
        "Nom", "Prénom", "Téléphone",
        "§ Le Fournil des Vignes", "PAIN1", "PAIN2", "PAIN3", "PAIN4",
        "§ Les Jardins de la Fontaine", "LEG1", "LEG2", "LEG3", "LEG4", "LEG5", "LEG6",
        "§ La Chèvrerie du Boischaut", "CHV1", "CHV2", "CHV3", "CHV4", "CHV5",
        "§ Ferme des Trois Chênes", "VIA1", "VIA2", "VIA3", "VIA4", "VIA5",
        "§ Les Poules de Varennes", "OEU1", "OEU2",
        "§ Rucher des Bruyères", "MIE1", "MIE2", "MIE3",
        "§ Brasserie du Nahon", "BIE1", "BIE2", "BIE3",
        "§ Les Vergers de Vicq", "POM1", "POM2", "POM3", "POM4", "POM5", "POM6",
        "§ Pour finir", "Commentaire",
    ]
    limited = {t for t, i in by_title.items() if i["title"].endswith("(limité)")}
    assert limited == {"LEG1", "CHV3", "VIA2", "VIA4", "MIE2"}  # the products with a stock
    assert {t for t, i in by_title.items() if "choiceQuestion" in str(i)} >= {"POM6"}
    assert by_title["VIA4"]["questionItem"]["question"]["choiceQuestion"]["options"][-1] == {"value": "8"}

    # The form now is exactly that, and the run says so in French.
    assert [i.get("title") for i in items_of(fake)] == [i["title"] for i in items]
    text = "\n".join(out)
    assert "Formulaire de la vente 2026-12 publié" in text
    assert "nouvelles : 38 ; retirées : 1" in text
    assert "Lien à envoyer aux foyers : https://docs.google.com/forms/d/e/" in text


@pytest.mark.parametrize("normalise", [False, True], ids=["spaces-kept", "spaces-normalised"])
def test_a_second_run_sends_nothing(forms_config, demo_store, normalise):
    """Also when Forms turns the non-breaking spaces of "4,50\u00a0€" into ordinary ones: the reference does not
    say whether it keeps them, and the second run must find nothing to change either way."""
    fake = FormsApiFake(normalise_spaces=normalise)
    fake.add_form(FORM_ID)
    publish(make_ctx(forms_config, demo_store), fake)
    titles = [i.get("title", "") for i in items_of(fake)]
    assert any(("4,50 €" if normalise else "4,50\u00a0€") in t for t in titles)
    fake.calls.clear()
    out: list[str] = []
    publish(make_ctx(forms_config, demo_store, output=out), fake)
    assert [c.method for c in fake.calls] == ["GET"]
    assert "déjà à jour" in "\n".join(out)


def test_appending_uses_only_indexes_the_reference_allows(forms_config, demo_store):
    """Location.index is "in the range [0..N)" (forms.v1 discovery document): a question that goes last is never
    created at N. The fake refuses N, so publishing onto a form whose only item stays first works anyway."""
    fake = FormsApiFake()
    fake.add_form(FORM_ID, items=[{"title": "Nom", "questionItem": {"question": {"required": True,
                                                                              "textQuestion": {}}}}])
    publish(make_ctx(forms_config, demo_store), fake)
    (batch,) = fake.batches()
    sizes, size = [], 1
    for request in batch["requests"]:
        kind, detail = next(iter(request.items()))
        if kind == "createItem":
            sizes.append((detail["location"]["index"], size))
            size += 1
    assert sizes and all(index < max(count, 1) for index, count in sizes)
    assert [i.get("title", "").split(" ")[0] for i in items_of(fake)][:3] == ["Nom", "Prénom", "Téléphone"]


def _set_product(store, code: str, column: str, value: str) -> None:
    grid = store.tabs[sheet.PRODUCTS.name]
    header = grid[0]
    for row in grid[1:]:
        if row[0] == code:
            row[header.index(column)] = value


def test_a_republication_keeps_each_question_and_its_column(forms_config, demo_store, fake):
    publish(make_ctx(forms_config, demo_store), fake)
    ids = {i["title"].split(" ")[0]: i["questionItem"]["question"]["questionId"]
           for i in items_of(fake) if "questionItem" in i}

    _set_product(demo_store, "PAIN1", "Prix", "4,80")  # a new price
    _set_product(demo_store, "LEG6", "Actif", "non")  # out of season
    _set_product(demo_store, "PAIN5", "Ventes", "")  # now in every sale
    out: list[str] = []
    publish(make_ctx(forms_config, demo_store, output=out), fake)

    requests = fake.batches()[-1]["requests"]
    kinds = [next(iter(r)) for r in requests]
    assert kinds.count("deleteItem") == 1 and kinds.count("createItem") == 1 and kinds.count("updateItem") == 1
    update = next(r["updateItem"] for r in requests if "updateItem" in r)
    assert update["item"]["title"] == "PAIN1 · Pain de campagne 1 kg — 4,80\u00a0€"
    assert update["item"]["questionItem"]["question"]["questionId"] == ids["PAIN1"]
    assert update["updateMask"] == "title,description,questionItem"

    after = {i["title"].split(" ")[0]: i["questionItem"]["question"]["questionId"]
             for i in items_of(fake) if "questionItem" in i}
    assert "LEG6" not in after and "PAIN5" in after
    for code, question_id in after.items():  # every question still there kept its id: same column
        if code in ids:
            assert question_id == ids[code], code
    text = "\n".join(out)
    assert "+ PAIN5 · Pain d'épices 400 g — 7,50 € (limité)" in text
    assert "− LEG6 · Salade la pièce — 1,50 €" in text


def test_a_hand_made_form_keeps_the_household_questions(forms_config, demo_store):
    fake = FormsApiFake()
    fake.add_form(FORM_ID, items=[
        {"title": "Nom", "questionItem": {"question": {"required": True, "textQuestion": {}}}},
        {"title": "Le Fournil des Vignes", "questionGroupItem": {
            "questions": [{"rowQuestion": {"title": "PAIN1 · Pain de campagne"}}],
            "grid": {"columns": {"type": "RADIO", "options": [{"value": "0"}, {"value": "1"}]}}}},
        {"title": "Téléphone", "questionItem": {"question": {"textQuestion": {}}}},
    ])
    nom = fake.forms[FORM_ID].items[0]["questionItem"]["question"]["questionId"]
    phone = fake.forms[FORM_ID].items[2]["questionItem"]["question"]["questionId"]
    publish(make_ctx(forms_config, demo_store), fake)
    questions = {i["title"]: i["questionItem"]["question"]["questionId"] for i in items_of(fake) if "questionItem" in i}
    assert questions["Nom"] == nom and questions["Téléphone"] == phone
    assert "Le Fournil des Vignes" not in [i["title"] for i in items_of(fake) if "questionGroupItem" in i]
    assert not any("questionGroupItem" in i for i in items_of(fake))


def test_a_title_already_used_by_a_column_gets_the_sale_code(forms_config, demo_store, fake):
    """A product back after a month away: its old column keeps its header; the new question must not
    repeat it (two columns with one header: only the first is read)."""
    publish(make_ctx(forms_config, demo_store), fake)
    bread = next(i["title"] for i in items_of(fake) if i["title"].startswith("PAIN2 "))
    demo_store.tabs[sheet.RESPONSES.name][0].append(bread)  # Google's column for that question
    _set_product(demo_store, "PAIN2", "Actif", "non")
    publish(make_ctx(forms_config, demo_store), fake)
    assert bread not in [i["title"] for i in items_of(fake)]  # deleted; its column stays in the sheet

    _set_product(demo_store, "PAIN2", "Actif", "oui")
    out: list[str] = []
    publish(make_ctx(forms_config, demo_store, output=out), fake)
    titles = [i["title"] for i in items_of(fake)]
    assert f"{bread} (2026-12)" in titles and bread not in titles
    assert "portent le code de la vente" in "\n".join(out)
    # Next time the same title is kept (no rename each month), and nothing is sent.
    fake.calls.clear()
    publish(make_ctx(forms_config, demo_store), fake)
    assert [c.method for c in fake.calls] == ["GET"]


def test_a_new_form_is_not_compared_with_the_old_response_tab(forms_config, demo_store, fake):
    """A new form linked to the workbook writes to a new tab: no renaming, no advice about old columns,
    but a reminder to check ``responses_tab``."""
    out: list[str] = []
    publish(make_ctx(forms_config, demo_store, output=out), fake)
    text = "\n".join(out)
    assert "première publication sur ce formulaire" in text and "responses_tab" in text
    assert "Renommez" not in text and "portent le code" not in text


def test_a_household_question_deleted_by_hand_is_recreated_with_a_warning(forms_config, demo_store, fake):
    publish(make_ctx(forms_config, demo_store), fake)
    form = fake.forms[FORM_ID]
    form.items = [i for i in form.items if i["title"] != "Téléphone"]  # deleted in the Forms UI
    out: list[str] = []
    publish(make_ctx(forms_config, demo_store, output=out), fake)
    assert "Téléphone" in [i["title"] for i in items_of(fake)]
    assert "la question « Téléphone » est nouvelle alors que l'onglet des réponses a déjà une colonne" in "\n".join(out)


def test_refuses_a_form_that_is_not_the_sales(forms_config, demo_store, fake):
    grid = demo_store.tabs[sheet.SALES.name]
    grid[2][grid[0].index("Lien formulaire")] = "https://docs.google.com/forms/d/e/1FAIpQLSeAnotherForm000/viewform"
    with pytest.raises(Exception, match="n'est pas celui du « Lien formulaire »"):
        publish(make_ctx(forms_config, demo_store), fake)
    assert fake.batches() == []


def test_a_sale_may_name_its_own_form_by_its_edit_address(forms_config, demo_store, fake):
    fake.add_form("1NoelFormIdAbcdefghijklmnopqrstuvwx")
    grid = demo_store.tabs[sheet.SALES.name]
    grid[3][grid[0].index("Lien formulaire")] = "https://docs.google.com/forms/d/1NoelFormIdAbcdefghijklmnopqrstuvwx/edit"
    publish(make_ctx(forms_config, demo_store, now=at("2026-12-05 10:00")), fake, sale="2026-NOEL")
    assert {c.path for c in fake.calls} == {"/v1/forms/1NoelFormIdAbcdefghijklmnopqrstuvwx",
                                            "/v1/forms/1NoelFormIdAbcdefghijklmnopqrstuvwx:batchUpdate"}
    assert fake.forms[FORM_ID].revision == 1  # the December form was not touched


def test_refuses_to_change_the_form_of_a_sale_in_progress(forms_config, demo_store, fake):
    with pytest.raises(UsageError, match="2026-12 est en cours"):
        publish(make_ctx(forms_config, demo_store, now=at("2026-12-05 10:00")), fake, sale="2026-NOEL")
    with pytest.raises(UsageError, match="close depuis"):
        publish(make_ctx(forms_config, demo_store, now=at("2026-12-05 10:00")), fake, sale="2026-11")
    assert fake.calls == []


def test_without_a_form_named_it_says_where_to_name_it(config, demo_store, fake):
    with pytest.raises(UsageError, match=r"\[forms\], form_id"):
        publish(make_ctx(config, demo_store), fake)
    with pytest.raises(UsageError, match="--sale"):
        publish_form.run(make_ctx(config, demo_store), sale=None)
    with pytest.raises(UsageError, match="Vente 2027-01 inconnue"):
        publish_form.run(make_ctx(config, demo_store), sale="2027-01")


def test_warns_about_form_settings(tmp_path, demo_store):
    config = config_module.from_dict({"forms": {"form_id": FORM_ID},
                                      "store": {"backend": "google", "spreadsheet_id": "1SheetId"}}, base_dir=tmp_path)
    fake = FormsApiFake()
    fake.add_form(FORM_ID, email_collection="DO_NOT_COLLECT", linked_sheet_id="1OtherSheet", published=False)
    out: list[str] = []
    publish(make_ctx(config, demo_store, output=out), fake)
    text = "\n".join(out)
    assert "ne collecte pas les adresses e-mail" in text
    assert "vont dans un autre classeur (1OtherSheet)" in text
    assert "n'est pas publié" in text
    form = fake.forms[FORM_ID]
    form.email_collection, form.linked_sheet_id, form.published = "VERIFIED", "1SheetId", True
    out.clear()
    publish(make_ctx(config, demo_store, output=out), fake)
    assert "Attention" not in "\n".join(out)


@pytest.mark.parametrize("configured", [
    "1SheetIdOfTheGroup", "https://docs.google.com/spreadsheets/d/1SheetIdOfTheGroup/edit#gid=0",
    " https://docs.google.com/spreadsheets/d/1SheetIdOfTheGroup/edit?usp=sharing ",
])
def test_the_linked_sheet_is_compared_with_the_id_of_whatever_address_was_pasted(tmp_path, demo_store, configured):
    config = config_module.from_dict({"forms": {"form_id": FORM_ID},
                                      "store": {"backend": "google", "spreadsheet_id": configured}}, base_dir=tmp_path)
    fake = FormsApiFake()
    fake.add_form(FORM_ID, linked_sheet_id="1SheetIdOfTheGroup", published=True)
    out: list[str] = []
    publish(make_ctx(config, demo_store, output=out), fake)
    assert "autre classeur" not in "\n".join(out)
    fake.forms[FORM_ID].linked_sheet_id = "1AnotherSheetOfSomeone"
    out.clear()
    publish(make_ctx(config, demo_store, output=out), fake)
    assert "vont dans un autre classeur (1AnotherSheetOfSomeone)" in "\n".join(out)


# --- the index arithmetic of a batch, over random forms -------------------------------------------

@pytest.fixture(scope="module")
def demo_plan():
    from sync import demo
    from sync.stores import MemoryStore

    config = config_module.from_dict({})
    found = catalogue.load(snapshot.read(MemoryStore(demo.build()), config).tables, config.tz)
    return build_form(found, "2026-12", config)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False), st.integers(0, 6))
def test_any_form_becomes_exactly_the_planned_form(demo_plan, rng: random.Random, junk: int):
    """Start from a random form (some planned items, shuffled, some changed, some foreign questions):
    the batch turns it into exactly the planned form, and every kept question keeps its id."""
    wanted = demo_plan.items
    start = [item.api() for item in rng.sample(wanted, rng.randint(0, len(wanted)))]
    for item in start:
        if "questionItem" in item and rng.random() < 0.3:
            item["title"] = item["title"] + " (ancien)" if item["title"] in ("Nom",) else item["title"]
            choice = item["questionItem"]["question"].get("choiceQuestion")
            if choice:
                choice["options"] = choice["options"][:2]
    for n in range(junk):
        start.insert(rng.randint(0, len(start)), {"title": f"Question à moi {n}", "questionItem": {"question": {
            "textQuestion": {}}}})
    fake = FormsApiFake(seed=rng.randint(0, 10**6))
    fake.add_form(FORM_ID, items=start)
    before = fake.forms[FORM_ID].view()
    kept_ids = {item_key(i, demo_plan.known_codes): i["questionItem"]["question"]["questionId"]
                for i in reversed(before.get("items", [])) if "questionItem" in i}
    kept_ids.pop(None, None)

    publication = plan_changes(before, demo_plan)
    if publication.changed:
        session = fake.session()
        response = session.post(f"https://forms.googleapis.com/v1/forms/{FORM_ID}:batchUpdate",
                                json={"requests": publication.requests,
                                      "writeControl": {"requiredRevisionId": before["revisionId"]}})
        assert response.status_code == 200, response.text
    after = fake.forms[FORM_ID].view()
    from sync.forms.changes import comparable

    assert [comparable(i) for i in after.get("items", [])] == [comparable(i.api()) for i in wanted]
    for item in after["items"]:
        if "questionItem" in item:
            key = item_key(item, demo_plan.known_codes)
            if key in kept_ids:
                assert item["questionItem"]["question"]["questionId"] == kept_ids[key]
    assert plan_changes(after, demo_plan).requests == []  # and a second run sends nothing
