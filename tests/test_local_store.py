"""The local .xlsx store: round trip, atomic writes, a backup, LibreOffice's lock, people's tabs untouched."""

from __future__ import annotations

import zipfile

import pytest
from openpyxl import load_workbook

from sync import demo, sheet
from sync.errors import StoreError, StoreLockedError
from sync.stores import Append, Changes, LocalWorkbookStore


@pytest.fixture
def book(tmp_path):
    store = LocalWorkbookStore(tmp_path / "paniers.xlsx")
    store.write(Changes(replace=demo.build()))
    return store


def human_names():
    return [t.name for t in sheet.HUMAN_TABS]


def test_demo_round_trip_reads_back_what_was_written(book):
    written = demo.build()
    read = book.read(list(written))
    for name, grid in written.items():
        assert read[name] == sheet.trim(grid), name


def test_missing_tab_reads_as_none_and_names_are_matched_loosely(book):
    read = book.read(["produits", "ventes ", "Pesées inexistantes"])
    assert read["produits"][0][0] == "Code"
    assert read["ventes "] is not None
    assert read["Pesées inexistantes"] is None


def test_missing_workbook_says_to_run_init(tmp_path):
    with pytest.raises(StoreError, match="paniers init"):
        LocalWorkbookStore(tmp_path / "absent.xlsx").read(["Produits"])


def test_corrupt_workbook_is_a_clear_error(tmp_path):
    path = tmp_path / "paniers.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(StoreError, match="illisible"):
        LocalWorkbookStore(path).read(["Produits"])


def test_writing_derived_tabs_leaves_human_tabs_untouched(book):
    before = book.read(human_names())
    book.write(Changes(replace={"Commandes": [sheet.ORDERS.header, ["2026-12", "a@b.fr"]]},
                       append={"Journal": Append(sheet.JOURNAL.header, [["01/12/2026 08:00", "2026-12", "x"]])}))
    assert book.read(human_names()) == before
    assert book.read(["Commandes"])["Commandes"][1] == ["2026-12", "a@b.fr"]


def test_rewriting_tabs_without_columns_of_people_reads_nothing_first(book, monkeypatch):
    reads = []
    read = LocalWorkbookStore._read
    monkeypatch.setattr(LocalWorkbookStore, "_read", lambda self, tabs: reads.append(list(tabs)) or read(self, tabs))
    anomalies = [["Onglet", "Ligne", "Problème"], ["Produits", 3, "Prix manquant"]]
    LocalWorkbookStore(book.path).write(Changes(replace={"Anomalies": anomalies}))
    assert reads == [], "no column of people's to keep their width and style: the workbook is not opened to look"
    assert book.read(["Anomalies"])["Anomalies"] == anomalies


def test_formulas_and_dates_in_human_tabs_survive_a_rewrite(tmp_path):
    path = tmp_path / "paniers.xlsx"
    store = LocalWorkbookStore(path)
    store.write(Changes(replace={"Produits": [["Code", "Prix"], ["A", 4]]}))
    workbook = load_workbook(path)
    workbook["Produits"]["B3"] = "=B2*2"
    workbook["Produits"]["A3"] = "B"
    workbook.save(path)
    store.write(Changes(replace={"Commandes": [["Vente"], ["x"]]}))
    assert load_workbook(path)["Produits"]["B3"].value == "=B2*2"


def test_text_that_looks_like_a_formula_is_stored_as_text(tmp_path):
    store = LocalWorkbookStore(tmp_path / "p.xlsx")
    store.write(Changes(replace={"Commandes": [["Nom"], ['=IMPORTXML("http://x";"//a")']]}))
    cell = load_workbook(tmp_path / "p.xlsx")["Commandes"]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=IMPORTXML")


def test_control_characters_cannot_break_the_workbook(tmp_path):
    store = LocalWorkbookStore(tmp_path / "p.xlsx")
    store.write(Changes(replace={"Commandes": [["Nom"], ["Ma\x00rt\x07ine"]]}))
    assert store.read(["Commandes"])["Commandes"][1] == ["Martine"]


def test_appends_go_below_the_last_row_under_the_header(book):
    book.write(Changes(append={"Clients": Append(sheet.CLIENTS.header, [["new@example.org", "Nouveau"]])}))
    clients = book.read(["Clients"])["Clients"]
    assert clients[-1][:2] == ["new@example.org", "Nouveau"]
    assert len(clients) == len(demo.build()["Clients"]) + 1


def test_append_to_a_missing_tab_writes_its_header_first(tmp_path):
    store = LocalWorkbookStore(tmp_path / "p.xlsx")
    store.write(Changes(append={"Journal": Append(sheet.JOURNAL.header, [["d", "v", "t"]])}))
    assert store.read(["Journal"])["Journal"] == [sheet.JOURNAL.header, ["d", "v", "t"]]


def test_a_write_interrupted_by_an_exception_leaves_the_original_unchanged(book, monkeypatch):
    original = book.path.read_bytes()

    def crash(self, filename):
        with open(filename, "wb") as handle:
            handle.write(b"half a workbook")
        raise OSError("disque plein")

    monkeypatch.setattr("openpyxl.workbook.workbook.Workbook.save", crash)
    with pytest.raises(StoreError, match="Rien n'a été modifié"):
        book.write(Changes(replace={"Commandes": [["Vente"], ["x"]]}))
    assert book.path.read_bytes() == original
    assert zipfile.is_zipfile(book.path)
    assert [p.name for p in book.path.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert book.read(["Produits"])["Produits"][0][0] == "Code"


def test_the_previous_version_is_kept_as_a_backup(book):
    before = book.path.read_bytes()
    book.write(Changes(replace={"Commandes": [["Vente"], ["x"]]}))
    assert book.backup_path.read_bytes() == before
    assert LocalWorkbookStore(book.backup_path).read(["Commandes"])["Commandes"] is None


def test_workbook_open_in_libreoffice_is_refused_with_a_clear_message(book):
    lock = book.path.with_name(f".~lock.{book.path.name}#")
    lock.write_text("someone,host,...")
    before = book.path.read_bytes()
    with pytest.raises(StoreLockedError, match="LibreOffice"):
        book.write(Changes(replace={"Commandes": [["Vente"], ["x"]]}))
    assert book.path.read_bytes() == before
    lock.unlink()
    book.write(Changes(replace={"Commandes": [["Vente"], ["x"]]}))


def test_empty_changes_do_not_touch_the_file(book):
    stamp = book.path.stat().st_mtime_ns
    book.write(Changes())
    assert book.path.stat().st_mtime_ns == stamp


KILLED_DURING_BACKUP = r"""
import os, shutil, signal, sys
from sync.stores import Changes, LocalWorkbookStore

def half_then_killed(source, target, *args, **kwargs):
    data = open(source, "rb").read()
    with open(target, "wb") as handle:
        handle.write(data[: len(data) // 2])
        handle.flush()
        os.fsync(handle.fileno())
    os.kill(os.getpid(), signal.SIGKILL)  # the power cut, the OOM killer, a `kill -9` of cron's job

shutil.copyfile = half_then_killed  # the copy of the workbook to its backup, whatever calls it
LocalWorkbookStore(sys.argv[1]).write(Changes(replace={"Commandes": [["Vente"], ["third"]]}))
"""


def test_a_kill_during_the_backup_copy_leaves_the_previous_backup_readable(book):
    import signal
    import subprocess
    import sys
    from pathlib import Path

    book.write(Changes(replace={"Commandes": [["Vente"], ["first"]]}))
    book.write(Changes(replace={"Commandes": [["Vente"], ["second"]]}))  # the backup now holds "first"
    backup_before, workbook_before = book.backup_path.read_bytes(), book.path.read_bytes()
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", KILLED_DURING_BACKUP, str(book.path)], cwd=root,
                          capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    assert book.backup_path.read_bytes() == backup_before
    assert LocalWorkbookStore(book.backup_path).read(["Commandes"])["Commandes"] == [["Vente"], ["first"]]
    assert book.path.read_bytes() == workbook_before
    assert book.read(["Commandes"])["Commandes"] == [["Vente"], ["second"]]
    book.write(Changes(replace={"Commandes": [["Vente"], ["third"]]}))  # the next run tidies up
    assert [p.name for p in book.path.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert LocalWorkbookStore(book.backup_path).read(["Commandes"])["Commandes"] == [["Vente"], ["second"]]


@pytest.mark.parametrize("text", ["x" * 40_000, "🍎" * 20_000, "a" + "🍎" * 16_383 + "zz"])
def test_text_longer_than_excel_accepts_is_cut_to_32767_with_an_ellipsis_by_both_writers(tmp_path, text):
    from sync.stores.base import same_grid
    from sync.stores.xlsx_patch import utf16_size

    fresh = LocalWorkbookStore(tmp_path / "neuf.xlsx")  # a new tab: openpyxl writes it
    fresh.write(Changes(replace={"Commandes": [["Vente", "Nom"], ["2026-12", text]]}))
    fresh.write(Changes(replace={"Anomalies": [["Problème"], [text]]}))  # an existing file: the part writer
    for name in ("Commandes", "Anomalies"):
        grid = fresh.read([name])[name]
        cell = grid[1][-1]
        assert utf16_size(cell) <= 32_767 and cell.endswith("…") and text.startswith(cell[:-1])
        assert utf16_size(cell) >= 32_765  # cut at the limit, not before (an emoji counts two)
        assert same_grid(grid, [grid[0], [*grid[1][:-1], text]])  # the next run sees nothing new to write
    load_workbook(fresh.path).close()
