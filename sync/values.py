"""French cell values, read into typed Python values, and typed values shown the French way.

Each ``parse_*`` function takes whatever a cell holds (text from Google Sheets, a number, a date or
a boolean from an .xlsx file, ``None`` for an empty cell) and returns a ``Parsed``: a value, or an
error message in French saying what is expected. They never raise: a bad cell becomes a row of the
problems table, not a crash (pinned by the hypothesis tests in ``tests/test_values.py``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")
SHEET_EPOCH = datetime(1899, 12, 30)  # serial day 0 of Google Sheets, Excel and LibreOffice
# The years a date of the sheet may have. A sale's timeline adds days and weeks to its dates (sync/schedule.py)
# and the figures count in pandas timestamps (which end in April 2262): a date near year 9999, which Python
# reads, would overflow there and stop every job for every sale. Outside these years a date is an anomaly of
# its cell, like a typo.
FIRST_YEAR, LAST_YEAR = 1900, 2199
OUT_OF_RANGE = f"date hors limites : écrivez une date entre {FIRST_YEAR} et {LAST_YEAR}, comme 01/12/2026 08:00"
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")


class Parsed(NamedTuple):
    value: Any
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return isinstance(raw, str) and raw.strip() == ""


def fold(text: str) -> str:
    """Trimmed, lower-case, accents removed, inner spaces collapsed: how headers and words are matched."""
    return _fold(text if type(text) is str else str(text))


@lru_cache(maxsize=65536)  # the same names, labels and headers are folded again and again in a run
def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _SPACES.sub(" ", text).strip().casefold()


def show(raw: Any) -> str:
    """A cell as text for a problem report (short enough to read)."""
    if raw is None:
        return ""
    text = str(raw)
    return text if len(text) <= 120 else text[:117] + "…"


def parse_text(raw: Any) -> Parsed:
    """Text kept as typed (phone numbers and codes keep their leading zeros). What a spreadsheet made of text
    that looked like something else is shown the way a French sheet shows it: 1,5 not 1.5, VRAI not True,
    01/12/2026 for a date alone."""
    if is_blank(raw):
        return Parsed("")
    if isinstance(raw, bool):
        return Parsed("VRAI" if raw else "FAUX")
    if isinstance(raw, float):
        return Parsed(str(int(raw)) if raw.is_integer() else repr(raw).replace(".", ","))
    if isinstance(raw, datetime):
        return Parsed(raw.strftime("%d/%m/%Y" if raw.time() == time() else "%d/%m/%Y %H:%M"))
    return Parsed(str(raw).strip())


def parse_code(raw: Any) -> Parsed:
    """A code (product, producer, sale): text, trimmed, upper-case, no inner spaces.

    A sale code such as ``2026-12`` typed in a Google Sheet (or LibreOffice, or Excel) is turned into a
    date, the 1st of that month at midnight: it reads back as ``2026-12``. A code typed as a whole date
    (``2026-12-24``) reads back as that date, ISO-style."""
    if isinstance(raw, (datetime, date)):
        moment = raw if isinstance(raw, datetime) else datetime.combine(raw, time())
        if moment.time() == time() and moment.day == 1:
            return Parsed(moment.strftime("%Y-%m"))
        return Parsed(moment.strftime("%Y-%m-%d") if moment.time() == time() else moment.strftime("%Y-%m-%d %H:%M"))
    text = parse_text(raw).value
    return Parsed(_SPACES.sub("", text).upper())


def parse_codes(raw: Any) -> Parsed:
    """A list of codes separated by commas or semicolons (a product's ``Ventes``), as a frozenset.

    A single sale code in the cell may have been turned into a date by the spreadsheet (``2026-12``
    in a Google Sheet): it is read back like ``parse_code`` does."""
    if is_blank(raw):
        return Parsed(frozenset())
    if not isinstance(raw, str):
        return Parsed(frozenset(filter(None, [parse_code(raw).value])))
    return Parsed(frozenset(filter(None, (parse_code(s).value for s in raw.replace(";", ",").split(",")))))


_PHONE_DIGITS = re.compile(r"^\+?\d+$")


def parse_phone(raw: Any) -> Parsed:
    """A phone number as French people write it, also after a spreadsheet made a number of it.

    Google Sheets (and the answers a Google Form writes into it) store ``0611111111`` as the number
    611111111 and ``+33611111111`` as 33611111111: the leading zero is gone from the cell. One rule gives
    it back, for a number or for text made only of digits: 9 digits get their 0 back (``0611111111``);
    11 digits starting with 33 (France's country code) become ``0`` and the 9 national digits; anything
    else (spaces, dots, a foreign number, a note) is kept exactly as typed."""
    text = parse_text(raw).value
    if isinstance(raw, bool) or not _PHONE_DIGITS.match(text):
        return Parsed(text)
    digits = text.lstrip("+")
    if len(digits) == 9 and not text.startswith("+"):
        return Parsed("0" + digits)
    if len(digits) == 11 and digits.startswith("33"):
        return Parsed("0" + digits[2:])
    return Parsed(text)


_TRUE = {"oui", "o", "x", "vrai", "yes", "y", "true", "1", "actif", "active"}
_FALSE = {"non", "n", "faux", "no", "false", "0", "inactif", "inactive", "-"}


def parse_bool(raw: Any, blank: bool = False) -> Parsed:
    """oui/non, x, vrai/faux (and a real boolean); a blank cell gives ``blank``."""
    if is_blank(raw):
        return Parsed(blank)
    if isinstance(raw, bool):
        return Parsed(raw)
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return Parsed(bool(raw))
    word = fold(str(raw))
    if word in _TRUE:
        return Parsed(True)
    if word in _FALSE:
        return Parsed(False)
    return Parsed(blank, "« oui » ou « non » attendu")


def _decimal(raw: Any, places: int | None = None) -> Decimal | None:
    """A number typed the French or the English way ("1 234,50 €", "4.50", "4,5"), or None.

    ``places``: a float (what a spreadsheet gives for a number, and for a formula's result) that is within
    floating-point noise of a number with that many decimals is read as that number: ``=2,2*1,5`` comes back
    from Google Sheets as 3.3000000000000003, which is 3,30 €."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return None
        if places is not None:
            rounded = round(raw, places)
            if abs(raw - rounded) <= 1e-9 * max(1.0, abs(raw)):  # a few ulps: noise, not a real decimal
                raw = rounded
        return Decimal(repr(raw))
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if not isinstance(raw, str):
        return None
    text = _SPACES.sub("", raw).replace("€", "").replace("EUR", "").replace("eur", "")
    text = text.replace("\u2212", "-")  # a typographic minus
    if not re.fullmatch(r"[+-]?(\d+([.,]\d+)*|[.,]\d+)", text):
        return None
    if "," in text and "." in text:  # the last separator is the decimal one: "1.234,50" or "1,234.50"
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        text = text.replace(thousands, "")
    text = text.replace(",", ".")
    if text.count(".") > 1:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_price(raw: Any, required: bool = True) -> Parsed:
    """Euros, to the cent: "4,50", "4.50", "4,50 €", 4.5. A blank cell is an error when required."""
    if is_blank(raw):
        return Parsed(None, "prix manquant" if required else None)
    value = _decimal(raw, places=2)
    if value is None or abs(value) >= Decimal("1000000"):
        return Parsed(None, "prix illisible : écrivez un nombre en euros, par exemple 4,50")
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        return Parsed(None, "prix avec plus de deux décimales : arrondissez au centime, par exemple 4,55")
    return Parsed(value.quantize(CENT))


def parse_weight(raw: Any) -> Parsed:
    """A weight in kilograms ("1,2", "0.350", "1,2 kg"), or None when blank."""
    if is_blank(raw):
        return Parsed(None)
    text = raw
    if isinstance(raw, str):
        text = re.sub(r"\s*kgs?\.?\s*$", "", raw.strip(), flags=re.IGNORECASE)
    value = _decimal(text, places=3)  # to the gram
    if value is None or abs(value) >= Decimal("100000"):
        return Parsed(None, "poids illisible : écrivez un nombre de kilos, par exemple 1,2")
    return Parsed(value.normalize() if value == value.to_integral() else value)


def parse_count(raw: Any) -> Parsed:
    """A whole number of units (a stock): "12", "12,0", 12.0; None when blank."""
    if is_blank(raw):
        return Parsed(None)
    value = _decimal(raw, places=0)
    if value is None or value != value.to_integral_value() or abs(value) >= 10**9:
        return Parsed(None, "nombre entier attendu, par exemple 12")
    return Parsed(int(value))


_NUMBER_WORDS = {
    "un", "une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "douze", "demi",
}


def parse_quantity(raw: Any, maximum: int = 50) -> Parsed:
    """A quantity ordered: blank and 0 mean none (0); a whole number from 1 to ``maximum`` otherwise."""
    if is_blank(raw):
        return Parsed(0)
    value = _decimal(raw, places=0)
    if value is None:
        word = fold(str(raw))
        if word in _NUMBER_WORDS:
            return Parsed(None, "quantité écrite en lettres : écrivez-la en chiffres, par exemple 2")
        return Parsed(None, "quantité illisible : un nombre entier attendu, par exemple 2")
    if value < 0:
        return Parsed(None, "quantité négative")
    if value != value.to_integral_value():
        return Parsed(None, "quantité non entière : ce produit se commande à l'unité")
    if value > maximum:
        return Parsed(None, f"quantité trop grande (plus de {maximum}) : probablement une erreur de frappe")
    return Parsed(int(value))


_DATE_RE = re.compile(
    r"""^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{2}|\d{4})
        (?:[\sT,à]+(?P<H>\d{1,2})\s*[:hH]\s*(?P<M>\d{2})?(?::(?P<S>\d{2}))?)?$""",
    re.VERBOSE,
)
_ISO_RE = re.compile(
    r"""^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})
        (?:[\sT]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?(?P<tz>Z|[+-]\d{2}:?\d{2})?$""",
    re.VERBOSE,
)


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """Attach the group's time zone to a wall-clock time (the earlier instant when the clock goes back)."""
    return naive.replace(tzinfo=tz, fold=0)


def parse_datetime(raw: Any, tz: ZoneInfo, required: bool = True) -> Parsed:
    """A date and time as a French sheet shows it ("01/12/2026 08:00", "01/12/2026", ISO, a serial
    number or a spreadsheet date), as an aware datetime in ``tz``. A date alone means midnight."""
    if type(raw) is str:  # the same dates come back often (a journal's rows, a sale's dates): read each once
        return _parse_datetime_text(raw, tz, required)
    return _parse_datetime(raw, tz, required)


@lru_cache(maxsize=65536)
def _parse_datetime_text(raw: str, tz: ZoneInfo, required: bool) -> Parsed:
    return _parse_datetime(raw, tz, required)


def _parse_datetime(raw: Any, tz: ZoneInfo, required: bool) -> Parsed:
    parsed = _read_datetime(raw, tz, required)
    if parsed.value is not None and not FIRST_YEAR <= parsed.value.year <= LAST_YEAR:
        return Parsed(None, OUT_OF_RANGE)
    return parsed


def _read_datetime(raw: Any, tz: ZoneInfo, required: bool) -> Parsed:
    if is_blank(raw):
        return Parsed(None, "date manquante" if required else None)
    try:
        if isinstance(raw, datetime):
            return Parsed(raw.astimezone(tz) if raw.tzinfo else localize(raw, tz))
        if isinstance(raw, date):
            return Parsed(localize(datetime.combine(raw, time()), tz))
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            if not (math.isfinite(raw) and 1 <= raw < 2958466):
                raise ValueError
            return Parsed(localize(SHEET_EPOCH + timedelta(seconds=round(float(raw) * 86400)), tz))
        text = _SPACES.sub(" ", str(raw)).strip()
        match = _DATE_RE.match(text) or _ISO_RE.match(text)
        if not match:
            raise ValueError
        parts = match.groupdict()
        year = int(parts["y"])
        if year < 100:
            year += 2000
        value = datetime(
            year, int(parts["m"]), int(parts["d"]),
            int(parts["H"] or 0), int(parts["M"] or 0), int(parts["S"] or 0),
        )
        if parts.get("tz"):
            offset = parts["tz"]
            return Parsed(datetime.fromisoformat(value.isoformat() + ("+00:00" if offset == "Z" else offset))
                          .astimezone(tz))
        return Parsed(localize(value, tz))
    except (ValueError, OverflowError):
        return Parsed(None, "date illisible : écrivez-la comme 01/12/2026 08:00")


# --- French display --------------------------------------------------------------------------

def money(amount: Decimal | int | None) -> str:
    """12,50 € (with a non-breaking space, as French typography wants)."""
    if amount is None:
        return ""
    return _money(str(Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)))


# Babel takes ~40 µs a number and a big sale's emails show the same few prices hundreds of thousands of
# times, so each distinct text is formatted once (keyed by the text: "-0.00" and "0.00" stay apart).
@lru_cache(maxsize=16384)
def _money(text: str) -> str:
    from babel.numbers import format_decimal  # babel loads where it formats: reading cells needs none of it

    return format_decimal(Decimal(text), format="#,##0.00", locale="fr_FR") + "\u00a0€"


def number(value: Decimal | int | float) -> str:
    """1,2 (no trailing zeros)."""
    return _number(type(value), str(value))


@lru_cache(maxsize=16384)
def _number(kind: type, text: str) -> str:
    from babel.numbers import format_decimal

    return format_decimal(kind(text), locale="fr_FR")


def long_date(moment: datetime | date) -> str:
    """samedi 13 décembre 2026."""
    from babel.dates import format_date

    return format_date(moment, format="EEEE d MMMM y", locale="fr_FR")


def format_datetime(*args, **kwargs) -> str:
    """Babel's ``format_datetime``, loaded on first use."""
    from babel.dates import format_datetime as babel_format_datetime

    return babel_format_datetime(*args, **kwargs)


def hour(moment: datetime) -> str:
    """9 h 30, 18 h."""
    return f"{moment.hour} h {moment.minute:02d}" if moment.minute else f"{moment.hour} h"


def long_datetime(moment: datetime) -> str:
    """samedi 13 décembre 2026 à 9 h 30."""
    return f"{long_date(moment)} à {hour(moment)}"


def sheet_datetime(moment: datetime | None, tz: ZoneInfo | None = None) -> str:
    """01/12/2026 08:00, the way a French sheet shows a date and time."""
    if moment is None:
        return ""
    if tz is not None and moment.tzinfo is not None:
        moment = moment.astimezone(tz)
    return moment.strftime("%d/%m/%Y %H:%M")


__all__ = [
    "Parsed", "fold", "format_datetime", "hour", "is_blank", "long_date", "long_datetime", "money", "number",
    "parse_bool", "parse_code", "parse_codes", "parse_count", "parse_datetime", "parse_phone", "parse_price",
    "parse_quantity", "parse_text", "parse_weight", "sheet_datetime", "show",
]


_EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$")


def parse_email(raw: Any, required: bool = True) -> Parsed:
    """An e-mail address, trimmed and lower-cased (a household is identified by it)."""
    if is_blank(raw):
        return Parsed("", "adresse e-mail manquante" if required else None)
    text = str(raw).strip().strip("<>").strip().lower()
    if len(text) > 254 or ".." in text or not _EMAIL_RE.match(text):
        return Parsed("", "adresse e-mail invalide : vérifiez-la (exemple : prenom.nom@exemple.fr)")
    return Parsed(text)
