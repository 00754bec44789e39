"""The Google Sheets store over the in-process Sheets API: request counts, French-locale data, retries,
Google's refusals, and what reaches Google's cells. Real gspread builds every request; only the HTTP
transport is the fake (``fakes.sheets_api``)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from fakes.sheets_api import FakeSheetsAPI, Formula
from gspread.exceptions import APIError
from plain import into

from sync import catalogue, demo, sheet, snapshot
from sync.commands import Context, check, init
from sync.errors import ConfigError, StoreError
from sync.sheet import RESPONSES
from sync.stores import Append, Changes, MemoryStore
from sync.stores.google import TIMEOUT, GoogleSheetsStore, spreadsheet_key, value_of
from sync.stores.retry import Backoff
from sync.values import parse_datetime, parse_quantity

SHEET_ID = "1PaniersFakeSheetId"
ACCOUNT = "paniers@paniers-civam.iam.gserviceaccount.com"


class Sleeps(list):
    """An injected sleep that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def api() -> FakeSheetsAPI:
    return FakeSheetsAPI(account=ACCOUNT)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def connect(api, sleeps):
    def build(**backoff) -> GoogleSheetsStore:
        policy = Backoff(sleep=sleeps, random=lambda: 0.0, **backoff)
        return GoogleSheetsStore(api.session(), SHEET_ID, account=ACCOUNT, backoff=policy)

    return build


def households_group(households: int, extra_tabs: int = 0) -> dict:
    """The demo group with ``households`` form responses and as many clients."""
    grids = demo.build()
    header, *rows = grids[RESPONSES.name]
    responses = [header]
    for i in range(households):
        row = list(rows[i % len(rows)])
        row[1], row[2] = f"foyer{i}@example.org", f"Foyer {i}"
        responses.append(row)
    grids[RESPONSES.name] = responses
    grids["Clients"] = [grids["Clients"][0]] + [[f"foyer{i}@example.org", f"Foyer {i}", "", "06 00 00 00 00", "oui"]
                                                for i in range(households)]
    for n in range(extra_tabs):
        grids[f"Archives {n}"] = [["Vente", "Total"], *[[f"2025-{m:02d}", m * 10] for m in range(1, 13)]]
    return grids


def run_changes(households: int) -> Changes:
    """What a refresh writes for that many households: every derived tab, the journal and new clients."""
    orders = [sheet.ORDERS.header] + [
        ["2026-12", f"foyer{i}@example.org", f"Foyer {i}", "FOUR", f"PAIN{k}", "Pain", 1, 1, 4.5, 4.5, "non",
         "confirmée", "01/12/2026 10:00"] for i in range(households) for k in range(1, 5)]
    by_producer = [sheet.BY_PRODUCER.header] + [["2026-12", "FOUR", f"P{k}", "x", households, households * 4.5]
                                                for k in range(41)]
    sign_off = [["Vente", "Nom", "Email", "Téléphone", *[p[0] for p in demo.PRODUCERS], "Total", "Payé", "Remarques"]]
    sign_off += [["2026-12", f"Foyer {i}", f"foyer{i}@example.org", "06", *([4.5] * 8), 36, "", ""]
                 for i in range(households)]
    journal = [["02/12/2026 10:00", "2026-12", "confirmation", f"foyer{i}@example.org", "Votre commande", f"k{i}",
                f"<m{i}@paniers>"] for i in range(households)]
    clients = [[f"nouveau{i}@example.org", f"Nouveau {i}", "", "", "oui", "02/12/2026"] for i in range(households)]
    return Changes(
        replace={"Commandes": orders, "Par producteur": by_producer, "Émargement": sign_off,
                 "Anomalies": [sheet.ANOMALIES.header, ["2026-12", "avertissement", "Produits", 3, "Prix", "x", ""]]},
        append={"Journal": Append(sheet.JOURNAL.header, journal), "Clients": Append(sheet.CLIENTS.header, clients)},
    )


# --- requests per run ---------------------------------------------------------------------------

@pytest.mark.parametrize("households, extra_tabs, runs", [(5, 0, 2), (500, 0, 1), (5, 40, 1)])
def test_one_read_and_one_write_per_run_whatever_the_size(api, connect, config, households, extra_tabs, runs):
    book = api.create(SHEET_ID, tabs=households_group(households, extra_tabs))
    store = connect()
    for run in range(1, runs + 1):  # a second run rewrites the tabs the first one created
        api.reset()
        snap = snapshot.read(store, config)
        assert len(snap.grid(RESPONSES)) == households + 1
        store.write(run_changes(households))
        assert api.kinds() == ["spreadsheets.get", "spreadsheets.batchUpdate"], f"run {run}"
    assert len(book.values("Commandes")) == households * 4 + 1
    assert len(book.values("Émargement")) == households + 1
    assert len(book.values("Journal")) == 1 + runs * households  # the header once, then each run's rows
    assert book.values("Clients")[-1][:2] == [f"nouveau{households - 1}@example.org", f"Nouveau {households - 1}"]
    assert len(book.values("Clients")) == 1 + (1 + runs) * households


def test_check_job_costs_two_reads_and_one_write_and_says_what_it_says_on_memory(api, connect, config, now):
    book = api.create(SHEET_ID, tabs=demo.build(), typed=True)  # the demo as typed in a French Google Sheet
    out: list[str] = []
    assert check.run(Context(config, connect(), now, into(out))) == 0
    # the derived tabs people type in are laid onto the sheet as it is just before the write: one read more
    assert api.kinds() == ["spreadsheets.get", "spreadsheets.get", "spreadsheets.batchUpdate"]
    memory, on_memory = MemoryStore(demo.build()), []
    check.run(Context(config, memory, now, into(on_memory)))
    assert out[1:] == on_memory[1:]  # everything but the line naming where the data is
    assert book.values("Anomalies")[1:] == [[v if v != "" else None for v in row] for row in
                                           sheet.trim(memory.tabs["Anomalies"])[1:]]


def test_every_request_has_a_timeout(api, connect, config):
    api.create(SHEET_ID, tabs=demo.build())
    store = connect()
    store.exists()
    snapshot.read(store, config)
    store.write(run_changes(2))
    assert api.calls and all(c.timeout == TIMEOUT for c in api.calls)


# --- init on a new Google Sheet -----------------------------------------------------------------

def test_init_creates_every_tab_in_an_empty_google_sheet(api, connect, config, now):
    book = api.create(SHEET_ID)  # a new Google Sheet: one empty tab
    out: list[str] = []
    assert init.run(Context(config, connect(), now, into(out))) == 0
    names = [t.name for t in snapshot.contract_tabs(config)]
    assert book.titles() == ["Feuille 1", *names, *(t.name for t in sheet.ARCHIVE_TABS)]
    assert book.values("Commandes") == [sheet.ORDERS.header]
    assert book.tab("Commandes").frozen_rows == 1
    assert book.tab("Commandes").get(0, 0)["userEnteredFormat"]["textFormat"]["bold"] is True
    assert api.kinds() == ["spreadsheets.get", "spreadsheets.get", "spreadsheets.batchUpdate"]
    api.reset()
    out.clear()
    init.run(Context(config, connect(), now, into(out)))
    assert "Rien à faire" in "\n".join(out)
    assert api.count("spreadsheets.batchUpdate") == 0


def test_demo_in_google_reads_back_like_the_memory_store(api, connect, config, now):
    api.create(SHEET_ID)
    init.run(Context(config, connect(), now, lambda s: None), demo=True)
    google = catalogue.load(snapshot.read(connect(), config).tables, config.tz)
    memory = catalogue.load(snapshot.read(MemoryStore(demo.build()), config).tables, config.tz)
    for part in ("producers", "products", "sales"):
        assert getattr(google, part).equals(getattr(memory, part)), part


# --- French-locale data, as people type it in a French Google Sheet -----------------------------

def test_french_typed_sheet_reads_like_the_text_the_demo_holds(api, connect, config):
    """Typed in a French sheet, "4,50" is a number, "01/12/2026 08:00" a date-time, "2026-12" a date and a form's
    timestamp a date-time: read as effective values with their format type, it all parses the same."""
    api.create(SHEET_ID, tabs=demo.build(), typed=True)
    store = connect()
    typed = snapshot.read(store, config)
    plain = snapshot.read(MemoryStore(demo.build()), config)
    sale_row = store.read(["Ventes"])["Ventes"][2]
    assert sale_row[0] == datetime(2026, 12, 1) and isinstance(sale_row[2], datetime)  # what Google holds
    google, memory = (catalogue.load(s.tables, config.tz) for s in (typed, plain))
    for part in ("producers", "products", "sales"):
        assert getattr(google, part).equals(getattr(memory, part)), part
    assert google.products.set_index("code").loc["PAIN1", "price"] == Decimal("4.50")
    assert list(google.sales["code"]) == ["2026-11", "2026-12", "2026-NOEL"]
    assert google.problems == memory.problems == []
    a, b = typed.table(RESPONSES).frame, plain.table(RESPONSES).frame
    for column in a.columns:
        if column == "Horodateur":
            parse = (lambda v: parse_datetime(v, config.tz).value)  # noqa: E731
        elif column.endswith("]"):
            parse = (lambda v: parse_quantity(v).value)  # noqa: E731
        else:
            continue
        assert [parse(v) for v in a[column]] == [parse(v) for v in b[column]], column


def test_a_phone_number_google_turned_into_a_number_gets_its_zero_back(api, connect, config):
    """Typed without spaces in a plain cell (or answered so in the Form), Google keeps 612345678: the store reads
    what Google holds, and the catalogue reads the phone the way it was typed (one rule: ``values.parse_phone``)."""
    grids = demo.build()
    header = grids["Producteurs"][0]
    for row, typed in zip(grids["Producteurs"][1:4], ("0612345678", "+33612345678", "06 12 34 56 78"), strict=True):
        row[header.index("Téléphone")] = typed
    api.create(SHEET_ID, tabs=grids, typed=True)
    held = [row[header.index("Téléphone")] for row in connect().read(["Producteurs"])["Producteurs"][1:4]]
    assert held == [612345678, 33612345678, "06 12 34 56 78"]
    found = catalogue.load(snapshot.read(connect(), config).tables, config.tz)
    assert list(found.producers["phone"][:3]) == ["0612345678", "0612345678", "06 12 34 56 78"]


def test_cell_values_read_as_the_local_store_gives_them():
    date = {"numberFormat": {"type": "DATE"}}
    assert value_of({}) is None
    assert value_of({"effectiveValue": {"stringValue": "x"}}) == "x"
    assert value_of({"effectiveValue": {"numberValue": 12.0}}) == 12
    assert type(value_of({"effectiveValue": {"numberValue": 12.0}})) is int
    currency = {"numberFormat": {"type": "CURRENCY"}}
    assert value_of({"effectiveValue": {"numberValue": 4.5}, "effectiveFormat": currency}) == 4.5
    assert value_of({"effectiveValue": {"numberValue": 46357}, "effectiveFormat": date}) == datetime(2026, 12, 1)
    assert value_of({"effectiveValue": {"numberValue": 46357.3333333333},
                     "effectiveFormat": {"numberFormat": {"type": "DATE_TIME"}}}) == datetime(2026, 12, 1, 8, 0)
    assert value_of({"effectiveValue": {"numberValue": 0.375}, "effectiveFormat": {"numberFormat": {"type": "TIME"}}}) \
        == "09:00"
    assert value_of({"effectiveValue": {"boolValue": True}}) is True
    assert value_of({"effectiveValue": {"errorValue": {"type": "REF", "message": "x"}}}) == "#REF!"


def test_a_formula_a_person_typed_reads_as_its_value(api, connect):
    api.create(SHEET_ID, tabs={"Produits": [["Code", "Prix"], ["PAIN1", Formula("=3*1,5", 4.5)]]})
    assert connect().read(["Produits"])["Produits"][1] == ["PAIN1", 4.5]


def test_the_sheet_time_zone_is_known_after_a_read(api, connect):
    api.create(SHEET_ID, title="Paniers 2026", time_zone="America/New_York")
    store = connect()
    assert store.describe() == f"le Google Sheet {SHEET_ID}"
    assert store.time_zone_warning("Europe/Paris") is None  # nothing read yet
    store.read(["Produits"])
    assert store.time_zone == "America/New_York"
    assert store.describe() == "le Google Sheet « Paniers 2026 »"
    assert "Fuseau horaire" in store.time_zone_warning("Europe/Paris")
    assert store.time_zone_warning("America/Toronto") is None  # another name, the same clock


def test_check_warns_when_the_sheet_keeps_another_time_zone(api, connect, config):
    api.create(SHEET_ID, title="Paniers 2026", time_zone="America/New_York", tabs=demo.build())
    output: list[str] = []
    check.run(Context(config, connect(), datetime(2026, 12, 2, 10, 0, tzinfo=config.tz), into(output)))
    assert any(line.startswith("! ") and "America/New_York" in line for line in output)


# --- what reaches Google's cells ----------------------------------------------------------------

def test_a_consumer_name_that_looks_like_a_formula_is_stored_as_text(api, connect):
    book = api.create(SHEET_ID, tabs={"Clients": [sheet.CLIENTS.header]})
    store = connect()
    store.read(["Clients"])
    name = '=IMPORTXML("http://x";"//a")'
    store.write(Changes(append={"Clients": Append(sheet.CLIENTS.header, [["x@example.org", name, "=HYPERLINK(1)"]])},
                        replace={"Commandes": [["Nom"], [name]]}))
    assert book.user_entered("Clients", 2, 2) == {"stringValue": name}
    assert book.user_entered("Clients", 2, 3) == {"stringValue": "=HYPERLINK(1)"}
    assert book.user_entered("Commandes", 2, 1) == {"stringValue": name}
    assert connect().read(["Clients"])["Clients"][1][:2] == ["x@example.org", name]


def test_values_are_made_json_safe_before_sending(api, connect):
    book = api.create(SHEET_ID)
    store = connect()
    row = [Decimal("4.50"), np.int64(3), np.float64(float("nan")), float("inf"), datetime(2026, 12, 1, 8, 0), True,
           None, "x" * 60_000, "fin"]
    store.write(Changes(replace={"Commandes": [row]}))  # the fake refuses NaN/Infinity in JSON and > 50 000 chars
    written = book.values("Commandes")[0]
    assert written[:7] == [4.5, 3, None, None, "01/12/2026 08:00", True, None]
    assert len(written[7]) == 50_000 and written[8] == "fin"
    body = api.calls[-1].body
    assert json.loads(json.dumps(body, allow_nan=False)) == body


def test_a_new_tab_gets_a_frozen_bold_header_and_existing_formats_are_kept(api, connect):
    book = api.create(SHEET_ID, tabs={"Émargement": [["Vente", "Payé"], ["2026-11", "oui"]]})
    fmt = {"backgroundColor": {"red": 1, "green": 0.9, "blue": 0.6}}
    book.tab("Émargement").rows[1][1] = {**book.tab("Émargement").rows[1][1], "userEnteredFormat": fmt}
    store = connect()
    store.read(["Émargement"])
    store.write(Changes(replace={"Émargement": [["Vente", "Payé"], ["2026-12", ""]]}))
    kept = book.tab("Émargement").get(1, 1)
    assert kept.get("userEnteredFormat") == fmt and "userEnteredValue" not in kept


# --- people change the sheet --------------------------------------------------------------------

def test_a_tab_renamed_by_a_person_is_a_missing_tab_problem(api, connect, config, now):
    book = api.create(SHEET_ID, tabs=demo.build(), typed=True)
    book.rename("Produits", "Produits (copie)")
    out: list[str] = []
    assert check.run(Context(config, connect(), now, into(out))) == 0
    text = "\n".join(out)
    assert "onglet « Produits »" in text and "onglet introuvable" in text
    assert any("onglet introuvable" in str(row) for row in book.values("Anomalies"))


def test_a_renamed_column_is_a_missing_column_problem(api, connect, config):
    grids = demo.build()
    grids["Produits"][0][4] = "Tarif"
    api.create(SHEET_ID, tabs=grids)
    snap = snapshot.read(connect(), config)
    assert any(p.tab == "Produits" and p.column == "Prix" and "colonne obligatoire absente" in p.message
               for p in snap.problems)


def test_a_tab_deleted_between_read_and_write_is_created_again(api, connect):
    book = api.create(SHEET_ID, tabs={"Commandes": [["Vente"], ["2026-11"]], "Produits": [["Code"]]})
    store = connect()
    store.read(["Commandes"])
    book.remove("Commandes")  # a person deletes the tab while the run computes
    store.write(Changes(replace={"Commandes": [["Vente"], ["2026-12"]]}))
    assert book.values("Commandes") == [["Vente"], ["2026-12"]]
    assert api.kinds() == ["spreadsheets.get", "spreadsheets.batchUpdate", "spreadsheets.get",
                           "spreadsheets.batchUpdate"]
    assert api.calls[1].status == 400


# --- retries ------------------------------------------------------------------------------------

def test_a_429_on_read_is_retried(api, connect, sleeps):
    api.create(SHEET_ID, tabs={"Produits": [["Code"]]})
    api.fail(429)
    assert connect().read(["Produits"]) == {"Produits": [["Code"]]}
    assert [c.status for c in api.calls] == [429, 200]
    assert len(sleeps) == 1


def test_retry_after_is_honoured(api, connect, sleeps):
    api.create(SHEET_ID, tabs={"Produits": [["Code"]]})
    api.fail(429, retry_after=7)
    connect().read(["Produits"])
    assert sleeps == [7.0]


def test_a_retry_after_too_long_gives_up_at_once(api, connect, sleeps):
    api.create(SHEET_ID)
    api.fail(429, retry_after=3600)
    with pytest.raises(StoreError, match="3600 s"):
        connect().read(["Produits"])
    assert sleeps == [] and len(api.calls) == 1


def test_back_off_doubles_with_jitter_up_to_a_cap(api, sleeps):
    api.create(SHEET_ID, tabs={"Produits": [["Code"]]})
    api.fail(503, times=6)
    store = GoogleSheetsStore(api.session(), SHEET_ID, backoff=Backoff(attempts=7, base=1, cap=8, sleep=sleeps,
                                                                       random=lambda: 1.0))
    store.read(["Produits"])
    assert sleeps == [1, 2, 4, 8, 8, 8]
    sleeps.clear()
    api.fail(503, times=3)
    GoogleSheetsStore(api.session(), SHEET_ID, backoff=Backoff(sleep=sleeps, random=lambda: 0.0)).read(["Produits"])
    assert sleeps == [0.5, 1, 2]  # "equal jitter": between half the delay and the delay


def test_a_dropped_connection_on_read_is_retried(api, connect):
    api.create(SHEET_ID, tabs={"Produits": [["Code"]]})
    api.drop()
    assert connect().read(["Produits"]) == {"Produits": [["Code"]]}
    assert [c.fault for c in api.calls] == ["drop", ""]


def test_a_persistent_500_on_read_stops_with_a_french_error(api, connect, sleeps):
    api.create(SHEET_ID)
    api.fail(500, times=99)
    with pytest.raises(StoreError) as caught:
        connect().read(["Produits"])
    message = str(caught.value)
    assert "Lecture" in message and "500" in message and "Internal error encountered." in message
    assert "5 essais" in message
    assert len(api.calls) == 5 and len(sleeps) == 4


def test_a_persistent_500_on_write_stops_and_nothing_is_half_written(api, connect, sleeps):
    book = api.create(SHEET_ID, tabs=households_group(5))
    store = connect()
    store.read(["Commandes"])
    before = book.snapshot()
    api.fail(500, times=99, when="spreadsheets.batchUpdate")
    with pytest.raises(StoreError) as caught:
        store.write(run_changes(5))
    message = str(caught.value)
    assert "Écriture" in message and "500" in message and "Rien n'a été écrit" in message
    assert book.snapshot() == before
    assert api.count("spreadsheets.batchUpdate") == 5
    assert len(sleeps) == 4


def test_a_write_refused_for_quota_is_sent_again_as_is(api, connect):
    book = api.create(SHEET_ID, tabs={"Journal": [sheet.JOURNAL.header]})
    store = connect()
    store.read(["Journal"])
    api.fail(429, when="spreadsheets.batchUpdate")
    store.write(Changes(append={"Journal": Append(sheet.JOURNAL.header, [["d", "2026-12", "annonce"]])}))
    assert api.kinds() == ["spreadsheets.get", "spreadsheets.batchUpdate", "spreadsheets.batchUpdate"]
    assert api.calls[1].body == api.calls[2].body
    assert book.values("Journal") == [sheet.JOURNAL.header, ["d", "2026-12", "annonce"]]


def test_a_write_whose_answer_was_lost_is_not_applied_twice(api, connect):
    book = api.create(SHEET_ID, tabs={"Journal": [sheet.JOURNAL.header, ["d0", "2026-12", "annonce"]]})
    store = connect()
    store.read(["Journal"])
    api.drop(after_apply=True, when="spreadsheets.batchUpdate")
    store.write(Changes(append={"Journal": Append(sheet.JOURNAL.header, [["d1", "2026-12", "rappel"]])},
                        replace={"Anomalies": [["Vente"]]}))
    assert book.values("Journal") == [sheet.JOURNAL.header, ["d0", "2026-12", "annonce"], ["d1", "2026-12", "rappel"]]
    assert api.kinds() == ["spreadsheets.get", "spreadsheets.batchUpdate", "spreadsheets.get"]


def test_a_write_whose_connection_dropped_before_sending_is_sent_again(api, connect):
    book = api.create(SHEET_ID, tabs={"Journal": [sheet.JOURNAL.header]})
    store = connect()
    store.read(["Journal"])
    api.drop(when="spreadsheets.batchUpdate")
    store.write(Changes(append={"Journal": Append(sheet.JOURNAL.header, [["d1", "2026-12", "rappel"]])}))
    assert book.values("Journal") == [sheet.JOURNAL.header, ["d1", "2026-12", "rappel"]]
    assert api.kinds() == ["spreadsheets.get", "spreadsheets.batchUpdate", "spreadsheets.get",
                           "spreadsheets.batchUpdate"]


def test_a_503_on_a_rewrite_only_is_sent_again(api, connect):
    book = api.create(SHEET_ID, tabs={"Commandes": [["Vente"], ["2026-11"]]})
    store = connect()
    store.read(["Commandes"])
    api.fail(503, when="spreadsheets.batchUpdate")
    store.write(Changes(replace={"Commandes": [["Vente"], ["2026-12"]]}))
    assert book.values("Commandes") == [["Vente"], ["2026-12"]]


# --- Google's refusals, in French ---------------------------------------------------------------

def test_a_sheet_not_shared_names_the_address_to_share_it_with(api, connect):
    api.create(SHEET_ID, share=None)
    for action in (lambda s: s.read(["Produits"]), lambda s: s.exists()):
        with pytest.raises(StoreError) as caught:
            action(connect())
        message = str(caught.value)
        assert ACCOUNT in message and "Partager" in message and "Éditeur" in message


def test_a_sheet_shared_read_only_refuses_the_write_and_says_why(api, connect):
    book = api.create(SHEET_ID, tabs={"Commandes": [["Vente"]]}, share="reader")
    store = connect()
    store.read(["Commandes"])
    before = book.snapshot()
    with pytest.raises(StoreError, match="« Éditeur », pas « Lecteur »") as caught:
        store.write(Changes(replace={"Commandes": [["Vente"], ["2026-12"]]}))
    assert ACCOUNT in str(caught.value)
    assert book.snapshot() == before


def test_an_unknown_spreadsheet_id_says_where_to_find_it(api, connect):
    api.create("1AnotherSheetIdXYZ")
    with pytest.raises(StoreError, match="entre /d/ et /edit") as caught:
        connect().read(["Produits"])
    assert SHEET_ID in str(caught.value) and ACCOUNT in str(caught.value)


def test_the_sheets_api_not_enabled_says_how_to_enable_it(connect):
    api = FakeSheetsAPI(api_enabled=False)
    api.create(SHEET_ID)
    store = GoogleSheetsStore(api.session(), SHEET_ID, account=ACCOUNT)
    with pytest.raises(StoreError, match="Activer"):
        store.read(["Produits"])


def test_a_bad_request_is_not_retried(api, connect, sleeps):
    api.create(SHEET_ID)
    api.fail(400, message="Invalid value")
    with pytest.raises(StoreError, match="400"):
        connect().read(["Produits"])
    assert sleeps == []


def test_the_store_never_talks_to_another_host(api):
    from fakes.sheets_api import StrayRequest

    with pytest.raises(StrayRequest):
        api.session().get("https://www.googleapis.com/drive/v3/files")


def test_spreadsheet_id_or_whole_address():
    assert spreadsheet_key(" 1AbCdEfGhIjKlMnOp_q-r ") == "1AbCdEfGhIjKlMnOp_q-r"
    url = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOp_q-r/edit#gid=0"
    assert spreadsheet_key(url) == "1AbCdEfGhIjKlMnOp_q-r"
    with pytest.raises(ConfigError, match="spreadsheet_id"):
        spreadsheet_key("mon tableur")


def test_gspread_api_errors_are_what_the_fake_returns(api):
    """The fake speaks Google's error format: gspread parses it into an APIError with the code."""
    import gspread

    api.create(SHEET_ID, share=None)
    client = gspread.Client(auth=None, session=api.session())
    with pytest.raises(APIError) as caught:
        client.http_client.spreadsheets_get(SHEET_ID)
    assert caught.value.code == 403 and caught.value.error["status"] == "PERMISSION_DENIED"


# --- the retry helper, for any Google API (the Forms API too) ------------------------------------

def _response(status: int, headers: dict | None = None, body: dict | None = None):
    import requests

    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    response._content = json.dumps(body or {"error": {"code": status, "message": "non", "status": "X"}}).encode()
    return response


def test_retry_after_as_an_http_date():
    from email.utils import format_datetime

    from sync.stores.retry import retry_after

    later = datetime.now().astimezone() + timedelta(seconds=30)
    assert 25 <= retry_after(_response(429, {"Retry-After": format_datetime(later)})) <= 30
    assert retry_after(_response(429, {"Retry-After": "12"})) == 12
    assert retry_after(_response(429, {"Retry-After": "bientôt"})) is None
    assert retry_after(_response(429)) is None


def test_what_is_worth_retrying():
    import requests
    from urllib3.exceptions import NewConnectionError

    from sync.stores.retry import failure_of

    assert failure_of(requests.HTTPError(response=_response(503))).status == 503
    assert failure_of(requests.HTTPError(response=_response(404))) is None
    quota = _response(403, body={"error": {"code": 403, "message": "quota", "status": "PERMISSION_DENIED",
                                           "errors": [{"reason": "rateLimitExceeded"}]}})
    assert failure_of(requests.HTTPError(response=quota)).sent is False
    assert failure_of(requests.HTTPError(response=_response(403))) is None
    refused = requests.ConnectionError(NewConnectionError(None, "Connection refused"))
    assert failure_of(refused).sent is False  # nothing left: a write can be sent again as is
    assert failure_of(requests.ConnectionError("Connection aborted.")).sent is True
    assert failure_of(requests.ReadTimeout()).sent is True
    assert failure_of(ValueError("bug")) is None


def test_the_title_stays_known_after_a_write(api, connect):
    api.create(SHEET_ID, title="Paniers du Boischaut")
    store = connect()
    store.read(["Produits"])
    store.write(Changes(replace={"Anomalies": [["Vente"]]}))
    assert store.describe() == "le Google Sheet « Paniers du Boischaut »"


def test_two_lost_answers_in_a_row_still_append_once(api, connect):
    """The first attempt fails with a 503 (not applied), the second is applied but its answer is lost."""
    book = api.create(SHEET_ID, tabs={"Journal": [sheet.JOURNAL.header, ["d0", "2026-12", "annonce"]]})
    store = connect()
    store.read(["Journal"])
    api.fail(503, when="spreadsheets.batchUpdate")
    api.drop(after_apply=True, when="spreadsheets.batchUpdate")
    store.write(Changes(append={"Journal": Append(sheet.JOURNAL.header, [["d1", "2026-12", "rappel"]])}))
    assert book.values("Journal") == [sheet.JOURNAL.header, ["d0", "2026-12", "annonce"], ["d1", "2026-12", "rappel"]]
    assert api.kinds() == ["spreadsheets.get", "spreadsheets.batchUpdate", "spreadsheets.get",
                           "spreadsheets.batchUpdate", "spreadsheets.get"]


def test_later_writes_of_a_run_need_no_read(api, connect):
    """The mail module flushes Journal rows in several writes: each costs one request."""
    book = api.create(SHEET_ID, tabs={"Produits": [["Code"]]})
    store = connect()
    store.read(["Produits"])
    store.write(Changes(replace={"Commandes": [["Vente"], ["2026-12"]]}))
    for n in range(3):
        store.write(Changes(append={"Journal": Append(sheet.JOURNAL.header, [[f"d{n}", "2026-12"]])}))
    assert api.kinds() == ["spreadsheets.get"] + ["spreadsheets.batchUpdate"] * 4
    assert book.values("Journal") == [sheet.JOURNAL.header, ["d0", "2026-12"], ["d1", "2026-12"], ["d2", "2026-12"]]
    assert book.values("Commandes") == [["Vente"], ["2026-12"]]


def test_a_stale_memory_of_the_sheet_is_read_again(api, connect):
    book = api.create(SHEET_ID, tabs={"Produits": [["Code"]]})
    store = connect()
    store.read(["Produits"])
    store.write(Changes(append={"Journal": Append(sheet.JOURNAL.header, [["d0", "2026-12"]])}))
    book.remove("Journal")  # a person deletes the tab between two writes
    store.write(Changes(append={"Journal": Append(sheet.JOURNAL.header, [["d1", "2026-12"]])}))
    assert book.values("Journal") == [sheet.JOURNAL.header, ["d1", "2026-12"]]
    assert api.kinds()[2:] == ["spreadsheets.batchUpdate", "spreadsheets.get", "spreadsheets.batchUpdate"]
    assert api.calls[2].status == 400


def test_every_contract_column_reads_as_meant_after_googles_conversions(api, connect, config):
    """The demo with each column typed in a way Google converts (left: what a person types in the Google Sheet;
    right: what the same person means, as the local workbook keeps it): the catalogue read from Google equals
    the one read from the meant values, with no problem."""
    typed, meant = demo.build(), demo.build()

    def put(tab, code, column, typed_text, meant_text):
        for grid, text in ((typed, typed_text), (meant, meant_text)):
            header = grid[tab][0]
            row = next(r for r in grid[tab][1:] if r[0] == code)
            row += [""] * (len(header) - len(row))
            row[header.index(column)] = text

    put("Produits", "LEG1", "Ventes", "2026-12", "2026-12")  # a single sale: Google makes it a date
    put("Produits", "PAIN1", "Prix", "=2,2*1,5", "3,30")  # a formula: the raw double 3.3000000000000003
    put("Produits", "PAIN2", "Prix", "4,20 €", "4,20")  # CURRENCY
    put("Produits", "VIA2", "Poids moyen (kg)", "=1,1*3", "3,3")  # 3.3000000000000003 kg
    put("Produits", "VIA2", "Au poids", "VRAI", "oui")
    put("Produits", "PAIN3", "Actif", "FAUX", "non")
    put("Produits", "PAIN4", "Stock", "=4*3", "12")
    put("Produits", "PAIN4", "Conditionnement", "0,5", "0,5")  # a number, shown back the French way
    put("Producteurs", "FOUR", "Téléphone", "0600001101", "0600001101")
    put("Producteurs", "JARD", "Téléphone", "+33600001102", "0600001102")
    put("Ventes", "2026-11", "Spéciale", "FAUX", "non")
    put("Ventes", "2026-11", "Fin distribution", "13/11/2026 19:00", "13/11/2026 19:00")
    api.create(SHEET_ID, tabs=typed, typed=True)
    google = catalogue.load(snapshot.read(connect(), config).tables, config.tz)
    plain = catalogue.load(snapshot.read(MemoryStore(meant), config).tables, config.tz)
    assert google.problems == plain.problems == []
    for part in ("producers", "products", "sales"):
        assert getattr(google, part).equals(getattr(plain, part)), part
    products = google.products.set_index("code")
    assert products.loc["LEG1", "sales"] == frozenset({"2026-12"})
    assert products.loc["PAIN1", "price"] == Decimal("3.30") and products.loc["VIA2", "avg_weight"] == Decimal("3.3")
    assert products.loc["PAIN4", "packaging"] == "0,5"
    assert list(google.producers["phone"][:2]) == ["0600001101", "0600001102"]
