"""``paniers lists``: every document of a sale written to a folder, and what the command says."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from lists_builders import book, weighings
from plain import into, plain
from pypdf import PdfReader

from sync import config as config_module
from sync import demo, sheet, snapshot
from sync.catalogue import load
from sync.commands import Context
from sync.commands.lists import run_with_book
from sync.errors import UsageError
from sync.lists import apply_weights, write_documents
from sync.stores import MemoryStore

SALE = "2026-12"
ORDERS = {SALE: {
    "martine.ducloux@example.org": {"PAIN1": 2, "VIA1": 1},
    "elodie.garnier@example.org": {"PAIN3": 1, "VIA1": 2},
    "jerome.pelletier@example.net": {"PAIN1": 1},
}}
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def small(cat):
    return book(ORDERS, cat)


def make_ctx(config, now, output):
    return Context(config, MemoryStore(), now, into(output))


def test_lists_writes_every_document_of_the_sale(config, now, output, cat, small, tmp_path):
    out = tmp_path / "impressions"
    assert run_with_book(make_ctx(config, now, output), small, cat, SALE, out) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([
        "emargement-2026-12.pdf", "recapitulatifs-foyers-2026-12.pdf",
        "liste-2026-12-le-fournil-des-vignes.pdf", "liste-2026-12-le-fournil-des-vignes.xlsx",
        "encaissement-2026-12-le-fournil-des-vignes.pdf",
        "liste-2026-12-ferme-des-trois-chenes.pdf", "liste-2026-12-ferme-des-trois-chenes.xlsx",
        "encaissement-2026-12-ferme-des-trois-chenes.pdf",
    ])
    said = plain("\n".join(output))
    assert "Vente de décembre : 3 foyers, 2 producteurs" in said
    assert f"8 documents écrits dans {out}" in said
    assert "- emargement-2026-12.pdf" in said
    assert "2 lignes vendues au poids restent estimées" in said and "Pesées" in said
    sign_off = PdfReader(out / "emargement-2026-12.pdf")
    assert "Garnier Élodie" in sign_off.pages[0].extract_text()
    assert not list(out.glob(".tmp-*"))


def test_default_folder_comes_from_the_config(tmp_path, now, output, cat):
    config = config_module.from_dict({"lists": {"folder": "mes-listes"}}, base_dir=tmp_path)
    run_with_book(make_ctx(config, now, output), book({SALE: {"x@example.org": {"PAIN1": 1}}}, cat), cat, SALE)
    assert (tmp_path / "mes-listes" / "2026-12" / "emargement-2026-12.pdf").is_file()


def test_weighed_lines_are_final_in_the_documents(config, now, output, cat, tmp_path):
    meat = book({SALE: {"martine.ducloux@example.org": {"VIA1": 1}, "elodie.garnier@example.org": {"VIA1": 2}}}, cat)
    weighed, problems = apply_weights(meat, weighings([
        [SALE, "martine.ducloux@example.org", "", "VIA1", "", "", "1,318", ""],
        [SALE, "elodie.garnier@example.org", "", "VIA1", "", "", "2,51", ""],
    ]))
    assert problems == []
    run_with_book(make_ctx(config, now, output), weighed, cat, SALE, tmp_path)
    said = plain("\n".join(output))
    assert "restent estimées" not in said
    text = PdfReader(tmp_path / "liste-2026-12-ferme-des-trois-chenes.pdf").pages[0].extract_text()
    text = " ".join(text.replace("\u00a0", " ").split())
    assert "1,318 kg" in text and "21,75 €" in text and "Montant estimé" not in text
    assert "41,42 €" in text  # 2,51 kg × 16,50 €/kg


def test_unknown_or_missing_sale_is_a_usage_error(config, now, output, cat, small):
    with pytest.raises(UsageError, match="ventes connues : 2026-11, 2026-12, 2026-NOEL"):
        run_with_book(make_ctx(config, now, output), small, cat, "2027-01")
    with pytest.raises(UsageError, match="--sale"):
        run_with_book(make_ctx(config, now, output), small, cat, None)


def test_a_sale_without_orders_writes_nothing(config, now, output, cat, small, tmp_path):
    assert run_with_book(make_ctx(config, now, output), small, cat, "2026-NOEL", tmp_path / "x") == 0
    assert "Aucune commande pour la vente 2026-NOEL" in output[0]
    assert not (tmp_path / "x").exists()
    assert write_documents(small, cat, "2026-NOEL", tmp_path / "y") == []


def test_producer_list_format_column_and_config_default(config):
    grids = demo.build()
    producers = grids[sheet.PRODUCERS.name]
    producers[0].append("Format liste")
    for row, value in zip(producers[1:], ["CSV", "xlsx", "", "Excel", "pdf", "", "", ""], strict=True):
        row.append(value)
    snap = snapshot.read(MemoryStore(grids), config)
    cat = load(snap.tables, config.tz)
    formats = dict(zip(cat.producers["code"], cat.producers["list_format"], strict=True))
    assert formats["FOUR"] == "csv" and formats["JARD"] == "xlsx" and formats["CHEV"] == ""
    assert formats["VIAN"] == "xlsx" and formats["OEUF"] == ""
    bad = [p for p in cat.problems if p.column == "Format liste"]
    assert len(bad) == 1 and bad[0].row == 6 and bad[0].severity == "avertissement" and "xlsx ou csv" in bad[0].message
    assert config.lists.format == "xlsx"
    with pytest.raises(config_module.ConfigError, match="xlsx, csv"):
        config_module.from_dict({"lists": {"format": "ods"}})


def test_example_config_documents_the_lists_section():
    example = tomllib.loads((REPO / "config.example.toml").read_text(encoding="utf-8"))
    assert example["lists"] == {"format": "xlsx", "folder": "listes"}
    loaded = config_module.load(REPO / "config.example.toml")
    assert loaded.lists.format == config_module.ListsConfig().format
