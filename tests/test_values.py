"""French cell values: every shape people type, and hostile ones (never an exception)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from conftest import PARIS, at
from hypothesis import given
from hypothesis import strategies as st

from sync import values as v


@pytest.mark.parametrize(("raw", "expected"), [
    ("4,50", "4.50"), ("4.50", "4.50"), ("4,5", "4.50"), ("4", "4.00"), (" 4,50 € ", "4.50"), ("€4.50", "4.50"),
    ("4,50\u00a0€", "4.50"), ("1 234,50", "1234.50"), ("1\u202f234,50", "1234.50"), ("1.234,50", "1234.50"),
    ("1,234.50", "1234.50"), (4.5, "4.50"), (12, "12.00"), ("0,10", "0.10"), ("-2", "-2.00"), ("4,50 EUR", "4.50"),
])
def test_prices_read_the_french_and_the_english_way(raw, expected):
    assert v.parse_price(raw) == v.Parsed(Decimal(expected))


@pytest.mark.parametrize("raw", ["4,5O", "quatre", "4,50,20", "4..5", "", None, "nan", float("nan"), True, "1e5"])
def test_unreadable_prices_are_problems(raw):
    parsed = v.parse_price(raw)
    assert parsed.value is None and parsed.error


def test_price_with_more_than_cents_is_a_problem_not_a_silent_rounding():
    assert "centime" in v.parse_price("4,555").error
    assert v.parse_price("0.1").value == Decimal("0.10")  # the float 0.1 is not a trap: read from its repr
    assert v.parse_price(0.1).value == Decimal("0.10")


def test_optional_price_may_be_blank():
    assert v.parse_price("", required=False) == v.Parsed(None)


@pytest.mark.parametrize(("raw", "expected"), [
    ("2", 2), (" 2 ", 2), ("2,0", 2), ("2.0", 2), (3, 3), (3.0, 3), ("", 0), (None, 0), ("0", 0), (0, 0), ("50", 50),
])
def test_quantities(raw, expected):
    assert v.parse_quantity(raw) == v.Parsed(expected)


@pytest.mark.parametrize(("raw", "words"), [
    ("deux", "lettres"), ("-1", "négative"), ("1,5", "entière"), ("51", "trop grande"), ("2 kg", "illisible"),
    ("=1+1", "illisible"), ("1e3", "illisible"),
])
def test_bad_quantities_say_what_is_wrong(raw, words):
    parsed = v.parse_quantity(raw)
    assert parsed.value is None and words in parsed.error


def test_maximum_quantity_is_configurable():
    assert v.parse_quantity("80", maximum=100).value == 80
    assert v.parse_quantity("80", maximum=50).error


@pytest.mark.parametrize(("raw", "expected"), [
    ("oui", True), ("Oui ", True), ("OUI", True), ("x", True), ("X", True), ("vrai", True), (True, True), (1, True),
    ("non", False), ("Non", False), ("faux", False), (False, False), (0, False), ("n", False),
])
def test_booleans(raw, expected):
    assert v.parse_bool(raw) == v.Parsed(expected)


def test_blank_boolean_takes_the_column_default_and_nonsense_is_a_problem():
    assert v.parse_bool("", blank=True) == v.Parsed(True)
    assert v.parse_bool(None, blank=False) == v.Parsed(False)
    assert v.parse_bool("peut-être").error


@pytest.mark.parametrize(("raw", "expected"), [
    ("01/12/2026 08:00", "2026-12-01 08:00"),
    ("1/12/2026 8:00", "2026-12-01 08:00"),
    ("01/12/2026", "2026-12-01 00:00"),
    ("03/02/2025 14:05:09", "2025-02-03 14:05:09"),
    ("01/12/26 8h30", "2026-12-01 08:30"),
    ("01/12/2026 18h", "2026-12-01 18:00"),
    ("2026-12-01T08:00", "2026-12-01 08:00"),
    ("2026-12-01 08:00:00", "2026-12-01 08:00"),
    (datetime(2026, 12, 1, 8, 0), "2026-12-01 08:00"),
    (date(2026, 12, 1), "2026-12-01 00:00"),
    (46357.3333333333, "2026-12-01 08:00"),  # a serial date as Google's API and spreadsheets give it
])
def test_dates_are_day_first_and_in_the_group_time_zone(raw, expected):
    parsed = v.parse_datetime(raw, PARIS)
    assert parsed.ok
    assert parsed.value == at(expected)
    assert parsed.value.utcoffset() is not None


def test_iso_date_with_offset_is_converted_to_the_group_time_zone():
    parsed = v.parse_datetime("2026-12-01T07:00:00Z", PARIS)
    assert parsed.value == at("2026-12-01 08:00")


def test_summer_time_is_respected():
    assert v.parse_datetime("01/07/2026 12:00", PARIS).value.utcoffset().total_seconds() == 7200


@pytest.mark.parametrize("raw", ["32/12/2026", "13/13/2026", "demain", "12/2026", "2026-13-01", "01/12/2026 25:00"])
def test_unreadable_dates_are_problems(raw):
    parsed = v.parse_datetime(raw, PARIS)
    assert parsed.value is None and "01/12/2026 08:00" in parsed.error


def test_text_and_codes_keep_their_zeros_and_shape():
    assert v.parse_text(" 06 12 34 56 78 ").value == "06 12 34 56 78"
    assert v.parse_text("0612345678").value == "0612345678"
    assert v.parse_text(612345678.0).value == "612345678"
    assert v.parse_code(" pain 1 ").value == "PAIN1"
    assert v.parse_code(datetime(2026, 12, 1)).value == "2026-12"
    assert v.parse_code(datetime(2026, 12, 24)).value == "2026-12-24"  # a code typed as a whole date stays one
    assert v.parse_code(date(2027, 4, 1)).value == "2027-04"


@pytest.mark.parametrize(("raw", "expected"), [
    ("", set()), (None, set()), ("2026-12", {"2026-12"}), (" 2026-12 ; 2026-noel,", {"2026-12", "2026-NOEL"}),
    (datetime(2026, 12, 1), {"2026-12"}),  # Google Sheets made a date of a single "2026-12"
    (2027, {"2027"}),
])
def test_a_product_sales_list_reads_back_whatever_the_spreadsheet_made_of_it(raw, expected):
    assert v.parse_codes(raw) == v.Parsed(frozenset(expected))


@pytest.mark.parametrize(("raw", "expected"), [
    (611111111, "0611111111"),  # "0611111111" typed in a Google Sheet, or answered in a Form: a number
    (611111111.0, "0611111111"),
    (33611111111, "0611111111"),  # "+33611111111"
    ("611111111", "0611111111"), ("+33611111111", "0611111111"),
    ("0611111111", "0611111111"), (" 06 11 11 11 11 ", "06 11 11 11 11"), ("06.11.11.11.11", "06.11.11.11.11"),
    ("+32 470 12 34 56", "+32 470 12 34 56"), (3247012345, "3247012345"), ("+4915112345678", "+4915112345678"),
    (112, "112"), ("", ""), (None, ""), ("le soir", "le soir"), (True, "VRAI"),
])
def test_phone_numbers_get_back_the_zero_a_spreadsheet_took(raw, expected):
    assert v.parse_phone(raw) == v.Parsed(expected)


def test_formula_results_within_floating_point_noise_read_as_the_number_meant():
    assert v.parse_price(2.2 * 1.5) == v.Parsed(Decimal("3.30"))  # =2,2*1,5 in Google Sheets: 3.3000000000000003
    assert v.parse_price(0.1 + 0.2) == v.Parsed(Decimal("0.30"))
    assert v.parse_price(4.449999999999999).value == Decimal("4.45")
    assert "centime" in v.parse_price(4.555).error  # a real third decimal is still refused
    assert "centime" in v.parse_price(10 / 3).error
    assert v.parse_weight(0.1 + 0.2).value == Decimal("0.3")
    assert v.parse_weight(1.3180000000000001).value == Decimal("1.318")
    assert v.parse_weight(1.2345).value == Decimal("1.2345")  # a tenth of a gram typed is kept
    assert v.parse_count(3 * 1.1 / 1.1).value == 3
    assert v.parse_count(12.000000000000002).value == 12
    assert v.parse_quantity(0.7 * 10 / 7 * 2).value == 2
    assert v.parse_count(12.5).error


@pytest.mark.parametrize(("raw", "ok"), [
    ("Martine.Ducloux@Example.org ", True), ("<a@b.fr>", True), ("a.b+c@sub.example.co.uk", True),
    ("martine@", False), ("martine.example.org", False), ("a@b", False), ("a..b@c.fr", False),
    ("a b@c.fr", False), ("=HYPERLINK(\"x\")@a.fr", False),
])
def test_emails(raw, ok):
    parsed = v.parse_email(raw)
    assert parsed.ok is ok
    if ok:
        assert parsed.value == parsed.value.strip().lower()


def test_french_display():
    assert v.money(Decimal("1234.5")) == "1\u202f234,50\u00a0€" or v.money(Decimal("1234.5")) == "1\u00a0234,50\u00a0€"
    assert v.money(Decimal("4.5")) == "4,50\u00a0€"
    assert v.long_date(datetime(2026, 12, 13)) == "dimanche 13 décembre 2026"
    assert v.long_datetime(at("2026-12-11 17:00")) == "vendredi 11 décembre 2026 à 17 h"
    assert v.hour(at("2026-12-11 09:30")) == "9 h 30"
    assert v.number(Decimal("1.20")) == "1,2"
    assert v.sheet_datetime(at("2026-12-01 08:00")) == "01/12/2026 08:00"


def test_fold_ignores_case_accents_and_spaces():
    assert v.fold("  Clôture ") == v.fold("cloture")
    assert v.fold("Émargement") == "emargement"
    assert v.fold("Poids  moyen\u00a0(kg)") == "poids moyen (kg)"


anything = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(),
    st.decimals(allow_nan=True, allow_infinity=True), st.datetimes(), st.dates(),
    st.text(alphabet="0123456789,. €-+/:hH\u00a0eE", max_size=20),
)


@given(anything)
def test_price_parser_never_raises(raw):
    parsed = v.parse_price(raw)
    assert (parsed.value is None) != (parsed.error is None) or raw in ("", None) or parsed.error is None
    if parsed.ok and parsed.value is not None:
        assert parsed.value == parsed.value.quantize(Decimal("0.01"))


@given(anything, st.integers(min_value=1, max_value=1000))
def test_quantity_parser_never_raises_and_stays_in_bounds(raw, maximum):
    parsed = v.parse_quantity(raw, maximum)
    if parsed.ok:
        assert isinstance(parsed.value, int) and 0 <= parsed.value <= maximum
    else:
        assert parsed.value is None and parsed.error


@given(anything)
def test_date_parser_never_raises_and_gives_aware_datetimes(raw):
    parsed = v.parse_datetime(raw, PARIS)
    if parsed.ok:
        assert parsed.value.tzinfo is not None
    else:
        assert parsed.value is None and parsed.error


@given(anything)
def test_other_parsers_never_raise(raw):
    for parser in (v.parse_bool, v.parse_text, v.parse_code, v.parse_codes, v.parse_phone, v.parse_count,
                   v.parse_weight, v.parse_email):
        parser(raw)


@pytest.mark.parametrize("raw", ["31/12/9999 23:59", datetime(9999, 12, 31, 23, 59), 2958465.99, "01/01/1899",
                                 "2262-04-12 00:00"])
def test_a_date_out_of_the_sheets_years_is_an_error_not_an_overflow_later(raw):
    parsed = v.parse_datetime(raw, PARIS)
    assert parsed.value is None and parsed.error.startswith("date hors limites : ")
    assert v.parse_datetime("31/12/2199 23:59", PARIS).ok
