"""The sheet contract, written once: tab names, their columns, which are required, which tabs
people own (read, or appended to) and which the tool derives (rewritten, with the columns people
fill in carried over by row key).

Headers are matched trimmed, case- and accent-insensitively (``values.fold``); extra columns are
kept (they are people's), a missing required column is a problem, not a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import problems as pb
from .values import fold, is_blank

if TYPE_CHECKING:  # pandas is loaded by the functions that build frames: `paniers --help` needs none of it
    import pandas as pd

Grid = list[list[Any]]  # a tab as rows of cells; the first row is the header
ROW = "_row"  # the column that holds each record's row number, as the sheet shows it


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = True
    aliases: tuple[str, ...] = ()  # other headers that mean the same (English form, older names)
    human: bool = False  # in a derived tab: filled in by people, carried over on every rewrite
    kind: str = "text"  # in a derived tab: how the tool's column is shown (``KINDS``; ``column_kinds``)


@dataclass(frozen=True)
class Tab:
    name: str
    columns: tuple[Column, ...]
    derived: bool = False
    key: tuple[str, ...] = ()  # derived tabs: the columns that identify a row across rewrites
    appended: bool = False  # human tabs the tool appends rows to (Clients, Journal)
    dynamic: bool = False  # other columns are part of the tab (one per product, one per producer)
    optional: bool = False  # a human tab that may be missing: read as empty, no problem (Pesées)
    # A derived tab's tool columns that the contract does not name (one per producer): the kind of those whose
    # header starts with each prefix, the first that matches ("" matches every header).
    other_kinds: tuple[tuple[str, str], ...] = ()

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def human_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.human]


def C(name: str, required: bool = True, *aliases: str, human: bool = False, kind: str = "text") -> Column:
    return Column(name, required, tuple(aliases), human, kind)


# How each column of a derived tab is shown to a person reading the sheet (``column_kinds``); both stores apply
# them to the tool's columns only (``stores/formats.py``), never to a column people fill in:
MONEY = "money"  # an amount in euros: « 4,50 € »
DATE = "date"  # a day: a real date cell shown « 05/12/2026 »
DATETIME = "datetime"  # a moment: a real date cell shown « 05/12/2026 18:30 »
INTEGER = "integer"  # a count or a quantity: « 3 », never « 3.0 »
TEXT = "text"  # left as it is written
WEIGHT = "weight"  # kilograms to the gram: « 2,432 » (the producers' spreadsheets only: no tab has one)
KINDS = (MONEY, DATE, DATETIME, INTEGER, TEXT, WEIGHT)


PRODUCERS = Tab("Producteurs", (
    C("Code"), C("Nom"), C("Email", True, "E-mail", "Adresse e-mail", "Courriel"), C("Téléphone", False),
    C("Paiements acceptés", False), C("Ordre des chèques", False), C("Actif", False),
    C("Format liste", False, "Format"),  # xlsx or csv: the spreadsheet sent with the order list
))
PRODUCTS = Tab("Produits", (
    C("Code"), C("Producteur"), C("Nom"), C("Conditionnement", False), C("Prix"), C("Au poids", False),
    C("Poids moyen (kg)", False, "Poids moyen"), C("Stock", False), C("Catégorie", False), C("Actif", False),
    C("Ventes", False), C("Description", False),
))
SALES = Tab("Ventes", (
    C("Code"), C("Titre", False), C("Ouverture"), C("Clôture"), C("Distribution"),
    C("Fin distribution", False), C("Lieu"), C("Spéciale", False), C("Lien formulaire", False),
    C("Message", False),
))
CLIENTS = Tab("Clients", (
    C("Email", True, "E-mail", "Adresse e-mail", "Courriel"), C("Nom", False), C("Prénom", False),
    C("Téléphone", False), C("Abonné", False), C("Ajouté le", False), C("Notes", False),
), appended=True)
RESPONSES = Tab("Réponses au formulaire 1", (
    C("Horodateur", True, "Timestamp", "Horodatage"),
    C("Adresse e-mail", True, "Email", "E-mail", "Email Address", "Adresse email", "Courriel"),
    C("Nom", False), C("Prénom", False), C("Téléphone", False), C("Commentaire", False),
), dynamic=True)
MANUAL = Tab("Saisie manuelle", (
    C("Horodateur", True, "Date"), C("Email", True, "E-mail", "Adresse e-mail"), C("Nom", False),
    C("Prénom", False), C("Téléphone", False), C("Produit"), C("Quantité"), C("Vente", False),
))
ORDERS = Tab("Commandes", (
    C("Vente"), C("Email"), C("Nom"), C("Producteur"), C("Produit"), C("Libellé"),
    C("Quantité demandée", kind=INTEGER), C("Quantité attribuée", kind=INTEGER), C("Prix unitaire", kind=MONEY),
    C("Montant", kind=MONEY), C("Au poids"), C("Statut"), C("Dernière modification", kind=DATETIME),
), derived=True, key=("Vente", "Email", "Produit"))
BY_PRODUCER = Tab("Par producteur", (
    C("Vente"), C("Producteur"), C("Produit"), C("Libellé"), C("Quantité", kind=INTEGER), C("Montant", kind=MONEY),
), derived=True, key=("Vente", "Producteur", "Produit"))
SIGN_OFF = Tab("Émargement", (
    C("Vente"), C("Nom"), C("Email"), C("Téléphone"), C("Total", kind=MONEY),
    C("Payé", False, human=True), C("Remarques", False, human=True),
), derived=True, key=("Vente", "Email"), dynamic=True, other_kinds=(("", MONEY),))  # a column per producer
ANOMALIES = Tab("Anomalies", tuple(C(n, kind=INTEGER if n == "Ligne" else TEXT) for n in pb.ANOMALY_COLUMNS),
                derived=True)
JOURNAL = Tab("Journal", (
    C("Date"), C("Vente"), C("Type"), C("Destinataire"), C("Sujet"), C("Clé"), C("Message-ID"),
), appended=True)

# History and figures (sync/figures.py): one row per sale, then one column per producer for its orders
# and one for its turnover ("Commandes : <nom>", "CA : <nom>"); the coordinator's notes are kept.
BILAN = Tab("Bilan", (
    C("Vente"), C("Titre"), C("Date", kind=DATE), C("Foyers", kind=INTEGER), C("Nouveaux foyers", kind=INTEGER),
    C("Foyers fidèles", kind=INTEGER), C("Chiffre d'affaires total", kind=MONEY), C("Panier moyen", kind=MONEY),
    C("Produits épuisés"), C("Remarques", False, human=True),
), derived=True, key=("Vente",), dynamic=True, other_kinds=(("Commandes : ", INTEGER), ("CA : ", MONEY)))
# Households that ordered regularly and stopped, for the coordinator to call (never emailed).
RECALL = Tab("Foyers à recontacter", (
    C("Nom"), C("Email"), C("Téléphone"), C("Commandes", kind=INTEGER), C("Première vente"), C("Dernière vente"),
    C("Ventes manquées", kind=INTEGER), C("Remarques", False, human=True),
), derived=True, key=("Email",))

# After the distribution, the weight of each line sold by weight (one row per sale, household and
# product); the tool may append the rows to fill in, a person types the weights.
WEIGHINGS = Tab("Pesées", (
    C("Vente"), C("Email", True, "E-mail", "Adresse e-mail", "Courriel"), C("Nom", False), C("Produit"),
    C("Libellé", False), C("Quantité", False), C("Poids (kg)", True, "Poids", "Poids réel", "Poids réel (kg)"),
    C("Remarque", False, "Remarques"),
), appended=True, optional=True)

# Messages people write to the group (sync/messages.py): each row goes once to each recipient, at or after
# its « Envoi » time; optional (a workbook without the tab has no messages).
MESSAGES = Tab("Messages", (
    C("Envoi", True, "Date d'envoi", "Date"), C("Destinataires", True, "Destinataire", "Pour"),
    C("Objet", True, "Sujet"), C("Texte", True, "Message"),
), optional=True)

# Written by ``paniers publish-form``: each answer column of a sale's form and its ``entry.N`` id, which
# the « modifier ma commande » links of confirmation emails are built from (``sync/forms/prefill.py``).
FORM = Tab("Formulaire", (
    C("Vente"), C("Publié le"), C("Lien"), C("Champ"), C("Question"), C("Entrée", False), C("Choix max", False),
), derived=True, key=("Vente", "Champ"))

HUMAN_TABS = (PRODUCERS, PRODUCTS, SALES, CLIENTS, RESPONSES, MANUAL, WEIGHINGS, MESSAGES)
DERIVED_TABS = (ORDERS, BY_PRODUCER, SIGN_OFF, ANOMALIES, FORM, BILAN, RECALL)
ALL_TABS = (*HUMAN_TABS, *DERIVED_TABS, JOURNAL)

# Where the rows of finished sales go (``sync/archive.py``): appended to, never read by a run.
ORDERS_ARCHIVE = Tab("Archives Commandes", ORDERS.columns, appended=True)
JOURNAL_ARCHIVE = Tab("Archives Journal", JOURNAL.columns, appended=True)
ARCHIVE_TABS = (ORDERS_ARCHIVE, JOURNAL_ARCHIVE)


def column_kinds(name: str, header: list[Any]) -> list[str]:
    """How each column of a derived tab is shown (``KINDS``), by its header: the contract's kind for the columns
    it names, ``Tab.other_kinds`` for the others, ``TEXT`` for a tab that is not derived. Which of them are the
    tool's is the store's to know (``Changes.owners``): a column people fill in is never formatted."""
    tab = next((t for t in DERIVED_TABS if fold(t.name) == fold(name)), None)
    if tab is None:
        return [TEXT] * len(header)
    named = {fold(c.name): c.kind for c in tab.columns}
    kinds = []
    for title in header:
        text = str(title).strip() if not is_blank(title) else ""
        kind = named.get(fold(text))
        if kind is None:
            kind = next((k for prefix, k in tab.other_kinds if fold(text).startswith(fold(prefix))), TEXT) \
                if text else TEXT
        kinds.append(kind)
    return kinds


def responses_tab(name: str) -> Tab:
    """The form's response tab under the name the config gives it."""
    return Tab(name, RESPONSES.columns, dynamic=True)


def find_title(titles: list[str], wanted: str) -> str | None:
    """The actual title of the tab that ``wanted`` names (case, accents and spaces ignored)."""
    for title in titles:
        if title == wanted:
            return title
    folded = fold(wanted)
    for title in titles:
        if fold(title) == folded:
            return title
    return None


@dataclass
class Table:
    """A tab read against its contract: records under the contract's column names, each with its row
    number; extra columns kept under their own header; what was wrong in ``problems``."""

    tab: Tab
    frame: pd.DataFrame
    present: bool = True
    problems: list[pb.Problem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # contract name -> header as written

    @property
    def usable(self) -> bool:
        return self.present and not any(p.severity == pb.ERROR and p.row is None for p in self.problems)


def trim(grid: Grid | None) -> Grid:
    """Drop trailing empty cells of each row and trailing empty rows, as Google's API does."""
    rows: Grid = []
    for row in grid or []:
        row = list(row)
        while row and is_blank(row[-1]):
            row.pop()
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def read_table(grid: Grid | None, tab: Tab, title: str | None = None) -> Table:
    """Type nothing yet: map headers onto the contract and keep every non-empty row with its number."""
    import pandas as pd

    name = title or tab.name
    known = tab.header
    if grid is None:
        frame = pd.DataFrame(columns=[*known, ROW], dtype=object)
        problem = pb.error(name, None, "", "onglet introuvable : créez-le (paniers init le crée) "
                           "ou corrigez son nom")
        return Table(tab, frame, present=False, problems=[problem])
    rows = trim(grid)
    header = [str(h).strip() if not is_blank(h) else "" for h in (rows[0] if rows else [])]
    problems: list[pb.Problem] = []
    lookup: dict[str, str] = {}
    for column in tab.columns:
        for alias in (column.name, *column.aliases):
            lookup.setdefault(fold(alias), column.name)
    names: list[str | None] = []
    seen: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, text in enumerate(header):
        if not text:
            names.append(None)
            continue
        canonical = lookup.get(fold(text), text)
        key = fold(canonical)
        if key in seen:
            problems.append(pb.warning(name, 1, text, f"colonne en double (déjà en position {seen[key] + 1}) : "
                                       "seule la première est lue", text))
            names.append(None)
            continue
        seen[key] = index
        names.append(canonical)
        headers[canonical] = text
    for column in tab.columns:
        if column.required and column.name not in headers:
            problems.append(pb.error(name, None, column.name,
                                     "colonne obligatoire absente : ajoutez-la en première ligne de l'onglet"))
    # trimmed, a row that holds nothing is empty; the frame is built column by column (a wide tab of
    # thousands of rows is hundreds of thousands of cells)
    kept = [(number, row) for number, row in enumerate(rows[1:], start=2) if row]
    data: dict[str, list] = {}
    for index, column_name in enumerate(names):
        if column_name is not None:
            data[column_name] = [row[index] if index < len(row) else None for _, row in kept]
    data[ROW] = [number for number, _ in kept]
    columns = [*dict.fromkeys([*known, *(n for n in names if n)]), ROW]
    frame = pd.DataFrame({c: data.get(c, [None] * len(kept)) for c in columns}, columns=columns, dtype=object)
    frame = frame.astype(object).where(frame.notna(), None)
    return Table(tab, frame, True, problems, headers)


# --- writing ---------------------------------------------------------------------------------

class Kept:
    """A value a person typed, carried over as it was: a checkbox stays a checkbox (``cell`` keeps its
    boolean instead of writing "oui"/"non" as it does for the tool's own yes/no columns)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __eq__(self, other: object) -> bool:
        return self.value == (other.value if isinstance(other, Kept) else other)

    def __hash__(self) -> int:
        return hash(self.value)

    def __repr__(self) -> str:
        return f"Kept({self.value!r})"


def cell(value: Any) -> Any:
    """A value as a sheet cell: only str, int, float, a person's boolean, or "" (never NaN, numpy types or
    Decimals)."""
    kind = type(value)
    if kind is str or kind is int:  # most cells, first (a big tab has hundreds of thousands)
        return value
    if isinstance(value, Kept):
        return value.value if isinstance(value.value, bool) else cell(value.value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        return cell(value.item())
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, (int, float, str)):
        return value
    return str(value)


def frame_to_grid(frame: pd.DataFrame) -> Grid:
    """Header plus rows of plain cells."""
    header = [str(c) for c in frame.columns]
    rows = [[cell(v) for v in record] for record in frame.itertuples(index=False, name=None)]
    return [header, *rows]


def carry_over(old: Grid | None, new: pd.DataFrame, tab: Tab) -> pd.DataFrame:
    """Keep what people typed in a derived tab across a rewrite.

    The columns the contract marks human (``Payé``, ``Remarques``), and any column a person added
    that the tool does not write, are copied from the old tab by the row key. A row that the tool no
    longer produces, but where someone had typed something, is kept as it was, at the end: nothing a
    person typed is ever lost (``tests/test_sheet.py::test_carry_over_*``).
    """
    import pandas as pd

    new = new.copy()
    for column in tab.human_columns:
        if column not in new.columns:
            new[column] = pd.Series([""] * len(new), index=new.index, dtype=object)
    old_rows = trim(old)
    if len(old_rows) < 2 or not tab.key:
        return new
    header = [str(h).strip() for h in old_rows[0]]
    tool_columns = {fold(c) for c in new.columns if c not in tab.human_columns}
    human = [h for h in header if h and fold(h) not in tool_columns]
    position = {fold(h): i for i, h in enumerate(header) if h}
    if any(fold(k) not in position for k in tab.key) or not human:
        return new

    def value(row: list, column: str) -> Any:
        i = position.get(fold(column))
        return row[i] if i is not None and i < len(row) else ""

    def key_of(values) -> tuple:
        return tuple(str(cell(v)).strip().lower() for v in values)

    kept: dict[tuple, list] = {}
    for row in old_rows[1:]:
        key = key_of(value(row, k) for k in tab.key)
        if any(not is_blank(value(row, h)) for h in human):
            kept[key] = row
    if not kept:
        return new
    human_names = {fold(h): h for h in human}
    for h in human:
        target = next((c for c in new.columns if fold(c) == fold(h)), h)
        if target not in new.columns:
            # object, not pandas 3's default str dtype: a number typed by a person must fit in it
            new[target] = pd.Series([""] * len(new), index=new.index, dtype=object)
        human_names[fold(h)] = target
    new_keys = [key_of(r) for r in new[list(tab.key)].itertuples(index=False, name=None)]
    for i, key in enumerate(new_keys):
        row = kept.pop(key, None)
        if row is None:
            continue
        for h in human:
            new.iat[i, new.columns.get_loc(human_names[fold(h)])] = Kept(value(row, h))
    orphans = [
        {c: Kept(value(row, c)) if fold(c) in position else "" for c in new.columns} for row in kept.values()
    ]
    if orphans:
        new = pd.concat([new, pd.DataFrame(orphans, columns=new.columns, dtype=object)], ignore_index=True)
    return new


def align(header: list[Any], record: dict[str, Any], tab: Tab) -> list[Any]:
    """A record keyed by contract column names, laid out under a tab's actual header."""
    lookup = {}
    for column in tab.columns:
        for alias in (column.name, *column.aliases):
            lookup.setdefault(fold(alias), column.name)
    by_name = {fold(k): v for k, v in record.items()}
    return [cell(by_name.get(fold(lookup.get(fold(str(h)), str(h))), "")) for h in header]
