"""Both Google fakes check every request against Google's discovery documents before doing anything
(``fakes/discovery.py``): what Google refuses is refused in Google's words and shape, with nothing changed,
and what the store, publish-form and gspread send is accepted. The requests go through the real client code:
gspread for the Sheets API, the project's ``FormsClient`` (or a raw session, for Google's exact answer)."""

from __future__ import annotations

import copy

import gspread
import pytest
from conftest import at
from fakes import discovery
from fakes.forms_api import FormsApiFake
from fakes.sheets_api import FakeSheetsAPI
from gspread.exceptions import APIError
from test_faults import google_tick, small_group

from sync import config as config_module
from sync import sheet
from sync.commands import Context, publish_form
from sync.errors import FormsError
from sync.forms.client import FormsClient
from sync.mail.memory import MemoryMailer
from sync.stores import Append, Changes
from sync.stores.google import _META_FIELDS, _READ_FIELDS, GoogleSheetsStore

SHEET_ID = "1PaniersDiscoverySheetId"
FORM_ID = "1FbDiscoveryFormIdAbCdEfGhIjKlMnOpQrStUv"
FORMS_URL = f"https://forms.googleapis.com/v1/forms/{FORM_ID}"
SHEETS = discovery.load("sheets.v4")
FORMS = discovery.load("forms.v1")


# --- the reference itself --------------------------------------------------------------------------

def test_the_documents_come_from_google_api_python_client():
    assert SHEETS.name == "sheets" and SHEETS.version == "v4" and SHEETS.revision.isdigit()
    assert FORMS.name == "forms" and FORMS.version == "v1" and FORMS.revision.isdigit()
    assert "googleapiclient" in str(discovery.document_path("sheets.v4"))


@pytest.mark.parametrize("verb, path, method", [
    ("GET", "/v4/spreadsheets/abc", "sheets.spreadsheets.get"),
    ("POST", "/v4/spreadsheets/abc:batchUpdate", "sheets.spreadsheets.batchUpdate"),
    ("GET", "/v4/spreadsheets/abc/values:batchGet", "sheets.spreadsheets.values.batchGet"),
    ("GET", "/v4/spreadsheets/abc/values/%27Produits%27%21A1%3AB2", "sheets.spreadsheets.values.get"),
    ("PUT", "/v4/spreadsheets/abc/values/A1", "sheets.spreadsheets.values.update"),
    ("POST", "/v4/spreadsheets/abc/values/Feuille%201:append", "sheets.spreadsheets.values.append"),
    ("POST", "/v4/spreadsheets/abc/values:batchClear", "sheets.spreadsheets.values.batchClear"),
])
def test_each_sheets_request_is_matched_to_its_method(verb, path, method):
    assert SHEETS.method(verb, path)["id"] == method


def test_each_forms_request_is_matched_to_its_method():
    assert FORMS.method("GET", f"/v1/forms/{FORM_ID}")["id"] == "forms.forms.get"
    assert FORMS.method("POST", f"/v1/forms/{FORM_ID}:batchUpdate")["id"] == "forms.forms.batchUpdate"
    assert FORMS.method("DELETE", f"/v1/forms/{FORM_ID}") is None  # left to the fake: 404


@pytest.mark.parametrize("key, target", list(discovery.MASK_TARGETS.items()))
def test_the_mask_table_quotes_the_document(key, target):
    """Each request mask's target schema is what its description in the document says (quoted in the table)."""
    name, schema, prop = key
    document = {"sheets": SHEETS, "forms": FORMS}[name]
    assert target[1] in document.schemas[schema]["properties"][prop]["description"]
    assert document.schemas[schema]["properties"][prop]["format"] == "google-fieldmask"
    assert target[0] in document.schemas


def test_field_mask_syntax():
    assert discovery.parse_mask("sheets(properties(sheetId,title),data(rowData(values(effectiveValue))))") == [
        ("sheets", "properties", "sheetId"), ("sheets", "properties", "title"),
        ("sheets", "data", "rowData", "values", "effectiveValue")]
    assert discovery.parse_mask("a.b/c,*") == [("a", "b", "c"), ("*",)]
    for bad in ("", "a(b", "a)", "a,,b", "a b", "a.(b)"):
        with pytest.raises(ValueError):
            discovery.parse_mask(bad)


def test_proto3_json_leniencies_google_has():
    """What Google's JSON parser accepts is accepted: integers as strings, null for unset, snake_case names,
    enum numbers, output-only fields (ignored by the server), ``*`` masks, any value in a ValueRange."""
    body = {"requests": [
        {"update_cells": {"range": {"sheetId": "7", "endRowIndex": 3.0}, "rows": None, "fields": "*"}},
        {"addSheet": {"properties": {"sheetType": 0, "dataSourceSheetProperties": {}}}},
        {"repeatCell": {"range": {"sheetId": 1}, "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                        "fields": "userEnteredFormat(textFormat(bold),backgroundColor)"}},
    ]}
    assert SHEETS.check("POST", f"https://sheets.googleapis.com/v4/spreadsheets/{SHEET_ID}:batchUpdate", body) is None
    values = {"valueInputOption": "RAW", "data": [{"range": "A1", "values": [[1, "a", True, None, 2.5]]}]}
    assert SHEETS.check("POST", f"https://sheets.googleapis.com/v4/spreadsheets/{SHEET_ID}/values:batchUpdate",
                        values) is None
    query = "ranges=A1&ranges=B2&value_render_option=FORMULA&prettyPrint=false&fields=valueRanges(values)"
    assert SHEETS.check("GET", f"https://sheets.googleapis.com/v4/spreadsheets/{SHEET_ID}/values:batchGet?{query}") \
        is None


# --- the Sheets API, through gspread ---------------------------------------------------------------

@pytest.fixture
def sheets():
    api = FakeSheetsAPI()
    book = api.create(SHEET_ID, tabs={"Produits": [["Code", "Prix"], ["PAIN1", 4.5]]})
    spreadsheet = gspread.Client(auth=None, session=api.session()).open_by_key(SHEET_ID)
    return api, book, spreadsheet


def refused(api: FakeSheetsAPI, book, action) -> dict:
    """Google's error body for ``action``, checking that gspread saw a 400 and that nothing changed."""
    before = copy.deepcopy(book.snapshot())
    with pytest.raises(APIError) as caught:
        action()
    assert caught.value.code == 400 and api.calls[-1].status == 400
    assert book.snapshot() == before
    error = caught.value.response.json()["error"]
    assert error["code"] == 400 and error["status"] == "INVALID_ARGUMENT"
    (detail,) = error["details"]
    assert detail["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    assert error["message"] == "\n".join(v["description"] for v in detail["fieldViolations"]) or \
        error["message"] == "Request contains an invalid argument."
    return error


def test_sheets_unknown_body_field(sheets):
    api, book, spreadsheet = sheets
    error = refused(api, book, lambda: spreadsheet.batch_update({"requests": [{"updateCells": {
        "range": {"sheetId": book.tab("Produits").sheet_id}, "fields": "userEnteredValue",
        "rows": [{"values": [{"userEnteredValue": {"stringValue": "x"}, "foo": 1}]}]}}]}))
    assert error["details"][0]["fieldViolations"] == [{
        "field": "requests[0].update_cells.rows[0].values[0]",
        "description": "Invalid JSON payload received. Unknown name \"foo\" at "
                       "'requests[0].update_cells.rows[0].values[0]': Cannot find field."}]


def test_sheets_wrong_enum_values(sheets):
    api, book, spreadsheet = sheets
    error = refused(api, book, lambda: spreadsheet.values_update(
        "Produits!A1", params={"valueInputOption": "USER_ENTER"}, body={"values": [["x"]]}))
    assert error["message"] == ("Invalid value at 'value_input_option' "
                                "(type.googleapis.com/google.apps.sheets.v4.ValueInputOption), \"USER_ENTER\"")
    error = refused(api, book, lambda: spreadsheet.batch_update({"requests": [
        {"addSheet": {"properties": {"title": "Nouveau", "sheetType": "TABLE"}}}]}))
    assert error["details"][0]["fieldViolations"][0]["field"] == "requests[0].add_sheet.properties.sheet_type"
    assert "Nouveau" not in book.titles()


def test_sheets_unknown_query_parameter(sheets):
    api, book, spreadsheet = sheets
    error = refused(api, book, lambda: spreadsheet.values_batch_get(["Produits"], params={"valueRender": "FORMULA"}))
    assert error["message"] == ("Invalid JSON payload received. Unknown name \"valueRender\": Cannot bind query "
                                "parameter. Field 'valueRender' could not be found in request message.")
    refused(api, book, lambda: spreadsheet.values_batch_get(["Produits"], params={"majorDimension": "LINES"}))
    refused(api, book, lambda: spreadsheet.fetch_sheet_metadata(params={"includeGridData": "yes"}))


def test_sheets_bad_response_field_mask(sheets):
    api, book, spreadsheet = sheets
    error = refused(api, book, lambda: spreadsheet.fetch_sheet_metadata(
        params={"fields": "sheets(properties(sheetId,title),data(rowData(values(effectiveValu))))"}))
    assert error["message"] == "Request contains an invalid argument."
    assert error["details"][0]["fieldViolations"] == [{
        "field": "fields", "description": "Error expanding 'fields' parameter. Cannot find matching fields for "
                                          "path 'sheets.data.rowData.values.effectiveValu'."}]
    refused(api, book, lambda: spreadsheet.fetch_sheet_metadata(params={"fields": "sheets(properties"}))


def test_sheets_bad_update_masks(sheets):
    api, book, spreadsheet = sheets
    sheet_id = book.tab("Produits").sheet_id
    error = refused(api, book, lambda: spreadsheet.batch_update({"requests": [{"updateCells": {
        "range": {"sheetId": sheet_id}, "rows": [{"values": [{"userEnteredValue": {"stringValue": "x"}}]}],
        "fields": "userEnteredValue,title"}}]}))  # title is a field of SheetProperties, not of CellData
    assert error["message"].startswith("Invalid requests[0].updateCells: Invalid field mask \"userEnteredValue,"
                                       "title\": trying to access a field \"title\"")
    refused(api, book, lambda: spreadsheet.batch_update({"requests": [{"updateSheetProperties": {
        "properties": {"sheetId": sheet_id, "gridProperties": {"rowCount": 5}},
        "fields": "gridProperties.rowCount,userEnteredValue"}}]}))
    error = refused(api, book, lambda: spreadsheet.batch_update({"requests": [{"appendCells": {
        "sheetId": sheet_id, "rows": [{"values": [{"userEnteredValue": {"numberValue": 1}}]}], "fields": ""}}]}))
    assert error["message"] == "Invalid requests[0].appendCells: At least one field must be listed in 'fields'."


def test_sheets_wrong_types(sheets):
    api, book, spreadsheet = sheets
    sheet_id = book.tab("Produits").sheet_id
    error = refused(api, book, lambda: spreadsheet.batch_update({"requests": [{"updateCells": {
        "range": {"sheetId": "Produits"}, "rows": [{"values": [{"userEnteredValue": {"numberValue": "4,50"}}]}],
        "fields": "userEnteredValue"}}]}))
    assert [v["description"] for v in error["details"][0]["fieldViolations"]] == [
        "Invalid value at 'requests[0].update_cells.range.sheet_id' (TYPE_INT32), \"Produits\"",
        "Invalid value at 'requests[0].update_cells.rows[0].values[0].user_entered_value.number_value' "
        "(TYPE_DOUBLE), \"4,50\""]
    error = refused(api, book, lambda: spreadsheet.batch_update({"requests": [{"appendCells": {
        "sheetId": sheet_id, "rows": {"values": []}, "fields": "userEnteredValue"}}]}))
    assert "'requests[0].append_cells.rows'" in error["message"]
    error = refused(api, book, lambda: spreadsheet.batch_update({"requests": [{"appendCells": {
        "sheetId": [sheet_id], "rows": [], "fields": "userEnteredValue"}}]}))
    assert error["message"] == ("Invalid JSON payload received. Unknown name \"sheet_id\" at "
                                "'requests[0].append_cells': Proto field is not repeating, cannot start list.")
    refused(api, book, lambda: spreadsheet.batch_update({"requests": [{"addSheet": {
        "properties": {"title": "Nouveau", "hidden": "false"}}}]}))


def test_the_sheets_fake_can_be_told_not_to_check(sheets):
    api, _book, spreadsheet = sheets
    api.validate = False
    spreadsheet.values_batch_get(["Produits"], params={"valueRender": "FORMULA"})
    assert api.calls[-1].status == 200


# --- what the project sends is accepted -------------------------------------------------------------

def test_the_store_read_masks_are_google_s():
    for mask in (_READ_FIELDS, _META_FIELDS):
        url = f"https://sheets.googleapis.com/v4/spreadsheets/{SHEET_ID}?includeGridData=true&fields={mask}"
        assert SHEETS.check("GET", url) is None


def test_every_request_of_a_google_store_write_is_accepted():
    api = FakeSheetsAPI()
    book = api.create(SHEET_ID, tabs={"Produits": [["Code"], ["PAIN1"]], "Journal": [["Quand", "Quoi"]]})
    store = GoogleSheetsStore(api.session(), SHEET_ID)
    store.read(["Produits"])
    wide = [[f"c{n}" for n in range(40)], *[[n] * 40 for n in range(1200)]]  # grows the grid, adds a tab
    store.write(Changes(replace={"Produits": wide, "Nouvel onglet": [["a", 1.5, True]]},
                        append={"Journal": Append(["Quand", "Quoi"], [["02/12/2026", "x"]]),
                                "Clients": Append(["Email"], [["a@example.org"]])}))
    kinds = {k for c in api.calls if c.kind == "spreadsheets.batchUpdate" for r in c.body["requests"] for k in r}
    assert kinds == {"updateSheetProperties", "addSheet", "repeatCell", "updateCells", "appendCells",
                     "updateDimensionProperties"}
    assert all(c.status == 200 for c in api.calls)
    assert all(SHEETS.check(c.method, c.url, c.body) is None for c in api.calls)
    assert book.tab("Produits").row_count >= 1200


def test_every_request_of_a_whole_google_tick_is_accepted(tmp_path, monkeypatch):
    api, mailer = FakeSheetsAPI(), MemoryMailer()
    api.create("1PaniersFaultsSheetId", tabs=small_group(12, others=3))
    code, said = google_tick(api, tmp_path, mailer, monkeypatch)
    assert code == 0, said
    assert mailer.sent  # a real tick: emails went, the journal was written
    assert {c.kind for c in api.calls} == {"spreadsheets.get", "spreadsheets.batchUpdate"}
    assert all(c.status == 200 for c in api.calls)
    assert all(SHEETS.check(c.method, c.url, c.body) is None for c in api.calls)


def test_every_request_of_publish_form_is_accepted(tmp_path, demo_store):
    fake = FormsApiFake()
    fake.add_form(FORM_ID)
    config = config_module.from_dict({"forms": {"form_id": FORM_ID}}, base_dir=tmp_path)

    def publish(sale: str) -> None:
        out: list[str] = []
        ctx = Context(config, demo_store, at("2026-11-20 10:00"), out.append)
        assert publish_form.run(ctx, sale=sale, session=fake.session(), sleep=lambda s: None) == 0, out

    publish("2026-12")  # a creation
    products = demo_store.tabs[sheet.PRODUCTS.name]
    for row in products[1:]:
        if row[0] == "PAIN1":
            row[products[0].index("Prix")] = "4,80"  # a new price: an update of that question
    publish("2026-12")
    publish("2026-NOEL")  # another sale: questions deleted, created, moved
    kinds = {k for body in fake.batches() for r in body["requests"] for k in r}
    assert {"updateFormInfo", "deleteItem", "createItem", "updateItem"} <= kinds
    assert all(call.body is None or call.method == "POST" for call in fake.calls)
    for call in fake.calls:
        assert FORMS.check(call.method, f"https://forms.googleapis.com{call.path}", call.body) is None


# --- the Forms API, through FormsClient and a raw session ----------------------------------------

@pytest.fixture
def forms():
    fake = FormsApiFake()
    fake.add_form(FORM_ID)
    return fake, FormsClient(fake.session(), sleep=lambda s: None)


def forms_refused(fake: FormsApiFake, client: FormsClient, requests_: list[dict]) -> dict:
    """Google's error body for a batch sent by FormsClient (which raises), checking nothing changed; the same
    batch is then posted raw to read Google's answer."""
    form = fake.forms[FORM_ID]
    before = (form.revision, copy.deepcopy(form.items), copy.deepcopy(form.info))
    revision = client.get(FORM_ID)["revisionId"]
    with pytest.raises(FormsError, match="code 400, INVALID_ARGUMENT"):
        client.batch_update(FORM_ID, requests_, revision)
    answer = fake.session().post(f"{FORMS_URL}:batchUpdate", json={"requests": requests_})
    assert answer.status_code == 400
    form = fake.forms[FORM_ID]
    assert (form.revision, form.items, form.info) == before
    error = answer.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["details"][0]["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    return error


def test_forms_unknown_body_field(forms):
    error = forms_refused(*forms, [{"createItem": {"item": {"title": "Pain", "questionItem": {"question": {
        "textQuestion": {}, "placeholder": "1 kg"}}}, "location": {"index": 0}}}])
    assert error["details"][0]["fieldViolations"] == [{
        "field": "requests[0].create_item.item.question_item.question",
        "description": "Invalid JSON payload received. Unknown name \"placeholder\" at "
                       "'requests[0].create_item.item.question_item.question': Cannot find field."}]


def test_forms_wrong_enum_value(forms):
    error = forms_refused(*forms, [{"createItem": {"item": {"title": "Pain", "questionItem": {"question": {
        "choiceQuestion": {"type": "SLIDER", "options": [{"value": "1"}]}}}}, "location": {"index": 0}}}])
    assert "'requests[0].create_item.item.question_item.question.choice_question.type'" in error["message"]


def test_forms_bad_update_masks(forms):
    fake, client = forms
    item = client.get(FORM_ID)["items"][0]
    error = forms_refused(fake, client, [{"updateItem": {"item": {"title": "Nom", "itemId": item["itemId"]},
                                                         "location": {"index": 0}, "updateMask": "title,formId"}}])
    assert error["message"] == ("Invalid requests[0].updateItem: Invalid field mask \"title,formId\": trying to "
                                "access a field \"formId\" that does not exist in google.apps.forms.v1.Item.")
    forms_refused(fake, client, [{"updateFormInfo": {"info": {"title": "Vente"}, "updateMask": "title,name"}}])
    error = forms_refused(fake, client, [{"updateItem": {"item": {"title": "Nom"}, "location": {"index": 0}}}])
    assert error["message"] == "Invalid requests[0].updateItem: updateMask is required."


def test_forms_wrong_types(forms):
    error = forms_refused(*forms, [{"deleteItem": {"location": {"index": "premier"}}}])
    assert error["message"] == "Invalid value at 'requests[0].delete_item.location.index' (TYPE_INT32), \"premier\""
    forms_refused(*forms, [{"createItem": {"item": {"title": ["Pain"], "textItem": {}}, "location": {"index": 0}}}])
    forms_refused(*forms, [{"createItem": {"item": {"title": "Pain", "questionItem": {"question": {
        "required": "oui", "textQuestion": {}}}}, "location": {"index": 0}}}])


def test_forms_unknown_query_parameter_and_bad_response_mask(forms):
    fake, _client = forms
    session = fake.session()
    answer = session.get(f"{FORMS_URL}?revision=rev00001")
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        "Invalid JSON payload received. Unknown name \"revision\": Cannot bind query parameter. Field 'revision' "
        "could not be found in request message.")
    answer = session.get(f"{FORMS_URL}?fields=revisionId,items(itemId,titel)")
    assert answer.status_code == 400
    assert answer.json()["error"]["details"][0]["fieldViolations"][0]["description"] == (
        "Error expanding 'fields' parameter. Cannot find matching fields for path 'items.titel'.")
    assert session.get(f"{FORMS_URL}?fields=revisionId,items(itemId,title)").status_code == 200
