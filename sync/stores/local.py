"""The embedded default: the group's workbook as a local .xlsx file (openpyxl).

Reads every tab in one pass over the file, writes every change in one save. Writes are atomic: the
new workbook is written to a temporary file beside the old one, flushed to disk, then renamed over
it, so a crash never leaves a half-written workbook; the previous version is kept as
``<name>.sauvegarde.xlsx``, itself copied to a temporary file and renamed (``sync/files.py``): a run killed
during that copy leaves the previous backup whole. Tabs that people own keep their content (values, formulas,
dates) untouched.
A workbook open in LibreOffice (its ``.~lock.<name>#`` file) or Excel (``~$<name>``) is refused.
"""

from __future__ import annotations

import os
import time as clock
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path

from python_calamine import CalamineWorkbook

from .. import files, formulas
from ..errors import StoreError, StoreLockedError
from ..sheet import Grid, find_title, trim
from ..values import fold
from . import formats, xlsx_patch
from .base import Changes
from .layout import row_key
from .xlsx_patch import ILLEGAL_CHARACTERS, column_letter, fit_cell

MAX_ATTEMPTS = 5  # saves started again because someone saved the workbook in the meantime


class _Changed(Exception):
    """The workbook was saved by someone else while this run was writing it."""


class LocalWorkbookStore:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        # What this run last saw of the file (its stat fingerprint) and the tabs it read then: a derived tab is
        # laid onto the file as it is when writing (``layout.py``), read again only if someone saved since.
        self._seen: tuple | None = None
        self._tabs: dict[str, Grid | None] = {}

    # --- reading -------------------------------------------------------------------------------

    def read(self, tabs: Sequence[str]) -> dict[str, Grid | None]:
        if not self.path.exists():
            raise StoreError(
                f"Le classeur {self.path} n'existe pas. Lancez « paniers init » pour le créer, "
                "ou corrigez [store] path dans la configuration."
            )
        seen = self._fingerprint()  # before reading: a save during the read is a change the next write sees
        result = self._read(tabs)
        if seen != self._seen:
            self._tabs = {}
        self._seen = seen
        self._tabs.update({name: _copy(grid) for name, grid in result.items()})
        return result

    def _read(self, tabs: Sequence[str]) -> dict[str, Grid | None]:
        fast = _read_fast(self.path, tabs)
        if fast is not None:
            return fast
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

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
        """One save, made on the workbook as it is now: if someone saved it since this run read it, the derived
        tabs people type in are laid onto what they saved (``layout.py``); if someone saves it while this one is
        being made, it is made again (``MAX_ATTEMPTS``), so nothing they typed is written over."""
        if not changes:
            return
        for _ in range(MAX_ATTEMPTS):
            self.ensure_writable()
            seen = self._fingerprint()
            laid = changes.laid_onto(lambda name, seen=seen: self._current(name, seen))
            replace = {name: layout.grid for name, layout in laid.items()}
            try:
                self._write(replace, changes, seen)
            except _Changed:
                continue
            self._seen = self._fingerprint()  # the file as this save made it
            self._tabs.update({name: trim(_copy(grid)) for name, grid in replace.items()})
            for name in changes.append:
                self._tabs.pop(name, None)  # read again if ever needed
            return
        raise StoreError(f"Le classeur {self.path.name} a été enregistré par un autre programme pendant chacun des "
                         f"{MAX_ATTEMPTS} essais d'écriture : rien n'a été écrit. Fermez-le dans LibreOffice ou Excel, "
                         "puis relancez.")

    def _look(self, name: str, grid: Grid, changes: Changes, seen: tuple | None) -> xlsx_patch.Look:
        """How a rewritten tab's columns look (``formats.py``): the tool's kinds, and where each people's column
        was in the tab as it is now (by header), for its width and style to stay."""
        header = grid[0] if grid else []
        kinds = formats.tool_kinds(name, header, changes.owners.get(name))
        if all(k is not None for k in kinds):  # no column of people's (Anomalies): nothing to keep, no read
            return xlsx_patch.Look(kinds)
        old = (self._current(name, seen) or [[]]) if seen is not None else [[]]
        where: dict[str, int] = {}
        for i, title in enumerate(old[0] if old else []):
            where.setdefault(fold(str(title)), i)
        kept = {c: where[fold(str(h))] for c, h in enumerate(header)
                if (c >= len(kinds) or kinds[c] is None) and fold(str(h)) in where}
        return xlsx_patch.Look(kinds, kept, _same_rows(old, grid, changes.owners.get(name)) if kept else {})

    def _current(self, name: str, seen: tuple | None) -> Grid | None:
        """A tab as the file holds it now (as read by this run when nobody saved the file since)."""
        if seen is None:
            return None
        if seen != self._seen or name not in self._tabs:
            if seen != self._seen:
                self._tabs, self._seen = {}, seen
            self._tabs.update(self._read([name]))
        return self._tabs[name]

    def _fingerprint(self) -> tuple | None:
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (found.st_ino, found.st_size, found.st_mtime_ns)

    def _write(self, replace: dict[str, Grid], changes: Changes, seen: tuple | None) -> None:
        looks = {name: self._look(name, grid, changes, seen) for name, grid in replace.items()}
        if self.path.exists():
            appends = {name: (a.header, a.rows) for name, a in changes.append.items() if a.rows}
            try:  # the changed sheets only, the rest of the file copied as it is (xlsx_patch.py)
                self._commit(lambda temporary: xlsx_patch.patch(self.path, temporary, replace, appends, looks),
                             seen)
                return
            except xlsx_patch.Unsupported:
                pass  # a tab to create, a sheet with attachments…: openpyxl does it
            except (StoreLockedError, StoreError, _Changed):
                raise
            except Exception:
                # unreadable as a package, or a layout the patch misread: nothing was written (the workbook is
                # replaced only once the new one is complete), and openpyxl does it, or says why in French
                pass
        # openpyxl only here, when the part-by-part writer cannot do it (importing it costs a third of a second)
        from openpyxl import Workbook, load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        if self.path.exists():
            try:
                book = load_workbook(self.path)  # formulas kept as formulas
            except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
                raise StoreError(f"Le classeur {self.path} est illisible ({exc}) : rien n'a été écrit.") from exc
        else:
            book = Workbook()
            book.remove(book.active)
        for name, grid in replace.items():
            title = find_title(book.sheetnames, name)
            look = looks.get(name) or xlsx_patch.Look()
            kept: dict[int, object] = {}
            styled: dict[tuple[int, int], object] = {}
            if title is not None:
                index = book.sheetnames.index(title)
                old = book[title]
                for new, was in look.kept.items():  # people's columns keep their width and style, cells' too
                    dimension = old.column_dimensions.get(column_letter(was + 1))
                    if dimension is not None:
                        kept[new] = dimension
                    for row, old_row in look.rows.items():
                        if row and old.cell(row=old_row + 1, column=was + 1).has_style:
                            styled[(row, new)] = old.cell(row=old_row + 1, column=was + 1)._style
                book.remove(old)
                sheet = book.create_sheet(title, index)
            else:
                sheet = book.create_sheet(name)
            _fill(sheet, grid, look.kinds)
            for new, dimension in kept.items():
                target = sheet.column_dimensions[column_letter(new + 1)]
                target.width = dimension.width
                if dimension.has_style:
                    target._style = dimension._style
            for (row, column), style in styled.items():
                sheet.cell(row=row + 1, column=column + 1)._style = style
        for name, append in changes.append.items():
            if not append.rows:
                continue
            title = find_title(book.sheetnames, name)
            sheet = book[title] if title is not None else book.create_sheet(name)
            last = _last_row(sheet)
            if last == 0:
                for column, value in enumerate(append.header, start=1):
                    _set(sheet.cell(row=1, column=column), value)
                _style_header(sheet, len(append.header))
                last = 1
            for offset, row in enumerate(append.rows, start=1):
                for column, value in enumerate(row, start=1):
                    _set(sheet.cell(row=last + offset, column=column), value)
        self._commit(book.save, seen)

    def _commit(self, write, seen: tuple | None = None) -> None:
        """``write(temporary)`` beside the workbook, flushed to disk, the old one kept as the backup, then
        renamed over it: a crash leaves the old workbook or the new one, never half of one. The backup is
        replaced the same way (``files.copy``): a crash during the copy leaves the previous backup. If the
        workbook is no longer what it was when ``seen`` (someone saved it meanwhile), nothing is renamed:
        ``_Changed``."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._remove_stale_temporaries()
        temporary = files.temporary_path(self.path)
        try:
            write(temporary)
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
            if self._fingerprint() != seen:  # saved by someone since it was read for this save: start again
                raise _Changed
            if self.path.exists():
                files.copy(self.path, self.backup_path)
            os.replace(temporary, self.path)
        except OSError as exc:
            raise StoreError(f"Impossible d'écrire le classeur {self.path} : {exc}. Rien n'a été modifié.") from exc
        finally:
            if temporary.exists():
                temporary.unlink()

    def _remove_stale_temporaries(self) -> None:
        """The half-written copy a killed run left beside the workbook or its backup (``.<name>.<pid>.tmp``):
        never read, but it would stay forever
        (``tests/test_faults.py::test_kill_9_at_random_points_then_rerun_until_done``). Only a copy whose
        process is gone is removed: another job may be saving at this very moment."""
        for target in (self.path, self.backup_path):
            prefix = f".{target.name}."
            for path in self.path.parent.glob(f"{prefix}*.tmp"):
                pid = path.name[len(prefix):-len(".tmp")]
                if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid), path):
                    path.unlink(missing_ok=True)

    def exists(self) -> bool:
        return self.path.exists()

    def describe(self) -> str:
        return f"le classeur {self.path.name}"


def _read_fast(path: Path, tabs: Sequence[str]) -> dict[str, Grid | None] | None:
    """Every tab through calamine (Rust: ten to twenty times faster than openpyxl on a big workbook), typed
    as openpyxl gives them; None when openpyxl must read it: a cell showing an error (#REF!, which calamine
    reads as empty), or a file calamine cannot read (openpyxl then says why)."""
    try:
        with zipfile.ZipFile(path) as package:
            for name in _parts_of(package, tabs):
                if b't="e"' in package.read(name):
                    return None
        book = CalamineWorkbook.from_path(str(path))
        result: dict[str, Grid | None] = {}
        for name in tabs:
            title = find_title(book.sheet_names, name)
            rows = book.get_sheet_by_name(title).to_python(skip_empty_area=False) if title is not None else None
            result[name] = None if rows is None else _grid(rows)
        return result
    except Exception:
        return None


def _parts_of(package: zipfile.ZipFile, tabs: Sequence[str]) -> list[str]:
    """The sheet parts of these tabs (the archive tabs, never read by a run, are not looked into); every
    sheet part when the package's map cannot be read."""
    names = package.namelist()
    every = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    try:
        sheets = xlsx_patch._Parts(package, names).sheets()
    except Exception:
        return every
    titles = [find_title(list(sheets), tab) for tab in tabs]
    return [sheets[t] for t in titles if t is not None]


def _grid(rows: list[list]) -> Grid:
    """calamine's rows typed (``_typed``) and trimmed (``sheet.trim``) in one pass: most cells are text and
    go through untouched (a big tab has hundreds of thousands of them)."""
    grid: Grid = []
    for row in rows:
        cells = [value if type(value) is str else _typed(value) for value in row]
        end = len(cells)
        while end:  # is_blank, inline: a wide tab (the form's answers) ends most rows with dozens of blanks
            last = cells[end - 1]
            if last == "" or last is None or (type(last) is str and last.isspace()) or (
                    type(last) is float and last != last):
                end -= 1
            else:
                break
        grid.append(cells[:end] if end < len(cells) else cells)
    while grid and not grid[-1]:
        grid.pop()
    return grid


def _typed(value):
    """A calamine value as openpyxl gives it: whole numbers as int, a date as a datetime at midnight."""
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if type(value) is date:
        return datetime.combine(value, time())
    return value


def _same_rows(old: Grid, new: Grid, owner) -> dict[int, int]:
    """Each row of ``new`` (0-based, the header is 0) that was a row of ``old``, and which, by the tab's row key
    (``layout.row_key``): where a person's cell formats are taken from."""
    if owner is None or not old or not new:
        return {}
    try:
        keys_old = [[fold(str(h)) for h in old[0]].index(fold(k)) for k in owner.key]
        keys_new = [[fold(str(h)) for h in new[0]].index(fold(k)) for k in owner.key]
    except ValueError:
        return {0: 0}
    rows: dict[tuple, int] = {}
    for i in range(len(old) - 1, 0, -1):
        rows[row_key(old[i], keys_old)] = i
    found = {0: 0}
    for j in range(1, len(new)):
        i = rows.get(row_key(new[j], keys_new))
        if i is not None:
            found[j] = i
    return found


def _running(pid: int, path: Path) -> bool:
    """Whether the process that is writing ``path`` may still be at it."""
    if os.name != "posix":  # no harmless way to ask Windows; a copy untouched for an hour is surely stale
        try:
            return clock.time() - path.stat().st_mtime < 3600
        except OSError:
            return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # it exists, run by someone else
        return True
    return True


def _set(target, value) -> None:
    if isinstance(value, str):
        value = fit_cell(ILLEGAL_CHARACTERS.sub("", value))
    if value == "":  # an empty cell, not an empty string: reads back the same, and a big tab saves much faster
        value = None
    target.value = value
    formulas.as_text(target)  # text typed by a person stays text, never a formula


def _clean(value):
    """A value as ``_set`` stores it (text without the characters XML refuses, cut to what Excel accepts;
    "" as an empty cell)."""
    if isinstance(value, str):
        value = fit_cell(ILLEGAL_CHARACTERS.sub("", value))
        return value or None
    return value


def _fill(sheet, grid: Grid, kinds: list[str | None] | None = None) -> None:
    """Write a whole tab into a sheet just created (row by row: ``append`` is several times faster than
    addressing each cell, which matters for a tab of ten thousand orders); with ``kinds`` (a derived tab:
    ``formats.tool_kinds``), the tool's columns get their number format and width, people's columns none (their
    width is set by the caller)."""
    width = max((len(row) for row in grid), default=0)
    kinds = list(kinds or [])[:width] + [None] * (width - len(kinds or []))
    if not any(k is not None for k in kinds):  # a tab without kinds (created by init): every column sized
        kinds = [formats.TEXT] * width
    grid = formats.typed(grid, kinds)
    patterns = {c + 1: formats.PATTERNS[k] for c, k in enumerate(kinds) if k in formats.PATTERNS}
    for number, row in enumerate(grid, start=1):
        values = [_clean(v) for v in row]
        sheet.append(values)
        for c, value in enumerate(values, start=1):
            if number > 1 and c in patterns and value is not None:
                sheet.cell(row=number, column=c).number_format = patterns[c]
            elif isinstance(value, datetime):  # a date in a column without a format of its own (a person's)
                sheet.cell(row=number, column=c).number_format = formats.PATTERNS[formats.date_kind(value)]
            if formulas.looks_like_formula(value):  # text typed by a person stays text
                formulas.as_text(sheet.cell(row=number, column=c))
    if grid:
        _style_header(sheet, len(grid[0]))
    for c, characters in formats.widths(grid, kinds).items():
        sheet.column_dimensions[column_letter(c + 1)].width = characters


def _style_header(sheet, width: int) -> None:
    from openpyxl.styles import Font, PatternFill

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E8F0E0")
    for c in range(1, width + 1):
        header = sheet.cell(row=1, column=c)
        header.font = bold
        header.fill = fill
    sheet.freeze_panes = "A2"


def _last_row(sheet) -> int:
    for row in range(sheet.max_row, 0, -1):
        if any(cell.value not in (None, "") for cell in sheet[row]):
            return row
    return 0


def _copy(grid: Grid | None) -> Grid | None:
    return None if grid is None else [list(row) for row in grid]
