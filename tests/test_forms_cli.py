"""``paniers publish-form --dry-run``: the form it would make, in French, sending nothing; the job's
place in the command line, its help, and its configuration section."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from conftest import at
from plain import into, plain

import jobs
from sync import config as config_module
from sync.commands import Context, publish_form
from sync.errors import ConfigError


def test_dry_run_prints_the_form_and_sends_nothing(config, demo_store, monkeypatch):
    def no_network(ctx):
        raise AssertionError("a dry run must not reach Google")

    monkeypatch.setattr(publish_form, "_google_session", no_network)
    out: list[str] = []
    ctx = Context(config, demo_store, at("2026-11-20 10:00"), into(out))
    before = {name: [list(r) for r in grid] for name, grid in demo_store.tabs.items()}
    assert publish_form.run(ctx, sale="2026-12", dry_run=True) == 0
    assert demo_store.tabs == before and demo_store.writes == 0  # nothing written either
    text = "\n".join(out)
    assert text.startswith("Aperçu du formulaire de la vente 2026-12 (rien n'est envoyé à Google).")
    assert "Titre : Vente de décembre — Les Paniers du CIVAM" in text
    assert "  Distribution le vendredi 11 décembre 2026 de 17 h à 19 h, Salle des fêtes" in text
    assert "    1. Nom — réponse courte, obligatoire" in text
    assert "  ── Section « Ferme des Trois Chênes » — Paiement : chèque (chèques à l'ordre de « SCEA des Trois " \
           "Chênes »)." in text
    assert "   20. VIA2 · Colis de veau le colis (5 kg environ) — 17,00 €/kg, environ 85,00 € (limité) — " \
           "menu 0 à 4" in text
    assert "       Vendu au poids : environ 5 kg, environ 85,00 € ; vous paierez le poids réel" in text
    assert "   38. Commentaire — paragraphe" in text
    assert "34 produits de 8 producteurs, 38 questions." in text
    assert "  - POM8 Jus de pomme (ancienne étiquette) : inactif" in text
    assert "  - VIA6 Chapon : pas dans cette vente (colonne Ventes)" in text
    assert text.endswith("Pour publier : paniers publish-form --sale 2026-12")


def test_dry_run_says_when_publishing_would_be_refused(config, demo_store):
    out: list[str] = []
    ctx = Context(config, demo_store, at("2026-12-05 10:00"), into(out))
    assert publish_form.run(ctx, sale="2026-NOEL", dry_run=True) == 0
    assert "Attention : La vente 2026-12 est en cours jusqu'au 10/12/2026 20:00" in "\n".join(out)


def test_max_choices_bounds_every_menu(tmp_path, demo_store):
    config = config_module.from_dict({"forms": {"max_choices": 3}, "orders": {"max_quantity": 50}}, base_dir=tmp_path)
    out: list[str] = []
    publish_form.run(Context(config, demo_store, at("2026-11-20 10:00"), into(out)), sale="2026-12", dry_run=True)
    menus = [line for line in out if " — menu " in line]
    assert menus and all(line.endswith("menu 0 à 3") for line in menus)
    with pytest.raises(ConfigError, match=r"\[forms\] max_choices"):
        config_module.from_dict({"forms": {"max_choices": 0}})


def test_through_the_command_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert jobs.main(["init", "--demo"]) == 0
    capsys.readouterr()
    assert jobs.main(["publish-form", "--sale", "2026-12", "--dry-run", "--now", "2026-11-20 10:00"]) == 0
    assert "   37. POM6 · Compote pomme-cannelle bocal 500 g — 4,10 € — menu 0 à 10" in plain(capsys.readouterr().out)
    assert jobs.main(["publish-form", "--dry-run"]) == 2
    assert "Précisez la vente" in plain(capsys.readouterr().err)


def test_help_is_french_with_an_example(capsys):
    assert "publish-form" in jobs.JOBS
    assert "Exemple : paniers publish-form --sale 2026-12" in jobs.cmd_publish_form.__doc__
    with pytest.raises(SystemExit):
        jobs.main(["publish-form", "--help"])
    assert "--dry-run" in plain(capsys.readouterr().out)


def test_the_example_configuration_documents_the_forms_section():
    example = Path(jobs.__file__).resolve().parent / "config.example.toml"
    data = tomllib.loads(example.read_text(encoding="utf-8"))
    assert data["forms"] == {"max_choices": 10}
    text = example.read_text(encoding="utf-8")
    for key in ("form_id", "prefilled_link", "max_choices"):
        assert f"# {key} =" in text or f"\n{key} =" in text
    assert config_module.load(example).forms == config_module.FormsConfig()
