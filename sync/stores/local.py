"""The embedded default: the group's workbook as a local .xlsx file (openpyxl).

Reads every tab in one pass over the file, writes every change in one save. Writes are atomic: the
new workbook is written to a temporary file beside the old one, flushed to disk, then renamed over
it, so a crash never leaves a half-written workbook; the previous version is kept as
``<name>.sauvegarde.xlsx``. Tabs that people own keep their content (values, formulas, dates) untouched.
A workbook open in LibreOffice (its ``.~lock.<name>#`` file) or Excel (``~$<name>``) is refused.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from ..errors import StoreError, StoreLockedError
from ..sheet import Grid, find_title, trim
from .base import Changes

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8F0E0")


class LocalWorkbookStore:
    def __init__(self, path: Path | str):
        self.path = Path(path)

    # --- reading -------------------------------------------------------------------------------

    def read(self, tabs: Sequence[str]) -> dict[str, Grid | None]:
        if not self.path.exists():
            raise StoreError(
                f"Le classeur {self.path} n'existe pas. Lancez « paniers init » pour le créer, "
                "ou corrigez [store] path dans la configuration."
            )
        try:
            book = load_workbook(self.path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
            raise StoreError(
                f"Le classeur {self.path} est illisible ({exc}). Sa version précédente est dans "
                f"{self.backup_path.name} si elle existe."
            ) from exc
        try:
            result: dict[str, Grid | None] = {}
            for name in tabs:
                title = find_title(book.sheetnames, name)
                if title is None:
                    result[name] = None
                    continue
                # empty cells read as "" as Google's API gives them, so every store reads alike
                rows = book[title].iter_rows(values_only=True)
                result[name] = trim([["" if value is None else value for value in row] for row in rows])
            return result
        finally:
            book.close()

    # --- writing -------------------------------------------------------------------------------

    @property
    def lock_paths(self) -> list[Path]:
        return [self.path.with_name(f".~lock.{self.path.name}#"), self.path.with_name(f"~${self.path.name}")]

    @property
    def backup_path(self) -> Path:
        return self.path.with_name(f"{self.path.stem}.sauvegarde{self.path.suffix}")

    def ensure_writable(self) -> None:
        for lock in self.lock_paths:
            if lock.exists():
                raise StoreLockedError(
                    f"Le classeur {self.path.name} est ouvert dans un autre programme (fichier {lock.name}). "
                    "Fermez-le dans LibreOffice ou Excel, puis relancez. Si aucun programme ne l'a ouvert, "
                    f"supprimez le fichier {lock.name}."
                )

    def write(self, changes: Changes) -> None:
        if not changes:
            return
        self.ensure_writable()
        if self.path.exists():
            try:
                book = load_workbook(self.path)  # formulas kept as formulas
            except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
                raise StoreError(f"Le classeur {self.path} est illisible ({exc}) : rien n'a été écrit.") from exc
        else:
            book = Workbook()
            book.remove(book.active)
        for name, grid in changes.replace.items():
            title = find_title(book.sheetnames, name)
            if title is not None:
                index = book.sheetnames.index(title)
                book.remove(book[title])
                sheet = book.create_sheet(title, index)
            else:
                sheet = book.create_sheet(name)
            _fill(sheet, grid)
        for name, append in changes.append.items():
            if not append.rows:
                continue
            title = find_title(book.sheetnames, name)
            sheet = book[title] if title is not None else book.create_sheet(name)
            last = _last_row(sheet)
            if last == 0:
                _fill(sheet, [append.header])
                last = 1
            for offset, row in enumerate(append.rows, start=1):
                for column, value in enumerate(row, start=1):
                    _set(sheet.cell(row=last + offset, column=column), value)
        self._save(book)

    def _save(self, book: Workbook) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            book.save(temporary)
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
            if self.path.exists():
                shutil.copy2(self.path, self.backup_path)
            os.replace(temporary, self.path)
        except OSError as exc:
            raise StoreError(f"Impossible d'écrire le classeur {self.path} : {exc}. Rien n'a été modifié.") from exc
        finally:
            if temporary.exists():
                temporary.unlink()

    def exists(self) -> bool:
        return self.path.exists()

    def describe(self) -> str:
        return f"le classeur {self.path.name}"


def _set(target, value) -> None:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    target.value = value
    if isinstance(value, str) and value.startswith("="):
        target.data_type = "s"  # text typed by a person stays text, never a formula


def _fill(sheet, grid: Grid) -> None:
    widths: dict[int, int] = {}
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row, start=1):
            _set(sheet.cell(row=r, column=c), value)
            widths[c] = max(widths.get(c, 0), min(len(str(value)), 60))
    if grid:
        for c in range(1, len(grid[0]) + 1):
            header = sheet.cell(row=1, column=c)
            header.font = HEADER_FONT
            header.fill = HEADER_FILL
        sheet.freeze_panes = "A2"
    for c, width in widths.items():
        sheet.column_dimensions[get_column_letter(c)].width = max(8, width + 2)


def _last_row(sheet) -> int:
    for row in range(sheet.max_row, 0, -1):
        if any(cell.value not in (None, "") for cell in sheet[row]):
            return row
    return 0
