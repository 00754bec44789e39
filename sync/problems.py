"""Problems found in the data: rows of the ``Anomalies`` tab, never exceptions.

Every check in the pure core returns a list of ``Problem``; the run goes on with what is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded where the Anomalies frame is built
    import pandas as pd

from .french import typography

ERROR = "erreur"
WARNING = "avertissement"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the sheet: where (tab, row as the sheet shows it, column), what, and the value."""

    severity: str
    tab: str
    row: int | None
    column: str
    message: str
    value: str = ""
    sale: str = ""

    def where(self) -> str:
        """« onglet « Produits », ligne 4, colonne « Prix » »; nothing for a problem outside the workbook (the
        configuration file's, whose message names its key)."""
        if not self.tab:
            return ""
        parts = [f"onglet « {self.tab} »"]
        if self.row:
            parts.append(f"ligne {self.row}")
        if self.column:
            parts.append(f"colonne « {self.column} »")
        return ", ".join(parts)

    def sentence(self) -> str:
        """One line for the command's output: where, what, and the value if any."""
        value = f" (valeur : « {self.value} »)" if self.value else ""
        where = self.where()
        return f"{where} : {self.message}{value}" if where else f"{self.message}{value}"


def error(tab: str, row: int | None, column: str, message: str, value: str = "", sale: str = "") -> Problem:
    return Problem(ERROR, tab, row, column, message, value, sale)


def warning(tab: str, row: int | None, column: str, message: str, value: str = "", sale: str = "") -> Problem:
    return Problem(WARNING, tab, row, column, message, value, sale)


ANOMALY_COLUMNS = ["Vente", "Gravité", "Onglet", "Ligne", "Colonne", "Problème", "Valeur"]


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """The ``Anomalies`` tab: errors first, then by sale, tab and row; each problem once."""
    import pandas as pd

    unique = list(dict.fromkeys(problems))
    rows = [
        {
            "Vente": p.sale,
            "Gravité": p.severity,
            "Onglet": p.tab,
            "Ligne": p.row if p.row else "",
            "Colonne": p.column,
            "Problème": typography(p.message),  # read by people only; the other columns stay as typed
            "Valeur": p.value,
        }
        for p in unique
    ]
    frame = pd.DataFrame(rows, columns=ANOMALY_COLUMNS, dtype=object)
    if frame.empty:
        return frame
    frame["_order"] = frame["Gravité"].map({ERROR: 0, WARNING: 1})
    frame["_line"] = [r if r != "" else 0 for r in frame["Ligne"]]
    frame = frame.sort_values(["_order", "Vente", "Onglet", "_line"], kind="stable")
    return frame.drop(columns=["_order", "_line"]).reset_index(drop=True)


def summary(problems: list[Problem]) -> str:
    """« 2 erreurs, 1 avertissement » or « aucune anomalie »."""
    unique = list(dict.fromkeys(problems))
    errors = sum(p.severity == ERROR for p in unique)
    warnings = len(unique) - errors
    if not unique:
        return "aucune anomalie"
    parts = []
    if errors:
        parts.append(f"{errors} erreur" + ("s" if errors > 1 else ""))
    if warnings:
        parts.append(f"{warnings} avertissement" + ("s" if warnings > 1 else ""))
    return ", ".join(parts)
