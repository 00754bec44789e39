"""The command line speaks French, argparse's own words included, and each job offers only the options it uses."""

from __future__ import annotations

import argparse
import re

import pytest
from plain import plain

import jobs
from sync.cli import FrenchParser, in_french

# Words argparse writes in English (its usage line, headings, --help's help, every error). « Options » is French
# too: what gives English away is argparse's heading, « options: » with no space before the colon.
ENGLISH = re.compile(r"\busage\b|\bpositional\b|\barguments?\b|\boptions:|show this help|\berror\b|invalid choice"
                     r"|\brequired\b|unrecognized|\bexpected\b|\binvalid\b|\bchoose from\b|\bambiguous\b"
                     r"|\bcould match\b|\bnot allowed\b|\bignored\b|\bsubcommands\b|\bexit\b|\bvalue\b",
                     re.IGNORECASE)


def english_in(text: str) -> list[str]:
    return ENGLISH.findall(text)


def outcome(capsys, *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stopped:
        jobs.main(list(argv))
    out, err = capsys.readouterr()
    return stopped.value.code, out + err


def test_every_help_is_french(capsys):
    for argv in (["--help"], ["-h"], *([name, "--help"] for name in jobs.JOBS)):
        code, text = outcome(capsys, *argv)
        assert code == 0, argv
        assert plain(text).startswith("utilisation : paniers"), argv
        assert "Options :" in plain(text) and "afficher cette aide et s'arrêter" in text, argv
        assert not english_in(text), (argv, english_in(text), text)


USAGE_ERRORS = {
    "no job": [],
    "unknown job": ["chek"],
    "unknown option": ["check", "--bla"],
    "option of another job": ["init", "--now", "2026-12-02 10:00"],
    "option without its value": ["check", "--sale"],
    "unknown option before the job": ["--bla", "check"],
    "stray word": ["status", "2026-12"],
    "--config without its value": ["--config"],
}


def test_the_jobs_are_listed_under_their_heading_without_the_placeholder():
    """« Tâches : » lists the jobs, two spaces in like the options, with no line « TÂCHE » (argparse's line for
    the placeholder, which reads as one more job)."""
    text = plain(jobs.build_parser().format_help())
    listed = text.split("Tâches :\n", 1)[1].splitlines()
    assert listed[0].split()[0] == "init" and listed[0].startswith("  init ")
    assert not any(line.strip() == "TÂCHE" for line in text.splitlines())
    for name in jobs.JOBS:
        assert any(line.startswith(f"  {name} ") for line in listed), name


@pytest.mark.parametrize("argv", USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_every_usage_error_is_french_and_exits_2(capsys, argv):
    code, text = outcome(capsys, *argv)
    assert code == 2
    assert plain(text).startswith("utilisation : paniers")
    assert "Erreur : " in plain(text) and "Pour l'aide : paniers" in plain(text)
    assert not english_in(text), (english_in(text), text)


def test_a_mistyped_job_or_option_gets_the_closest_one(capsys):
    _, text = outcome(capsys, "chek")
    assert "« chek » n'existe pas. Vouliez-vous dire « check » ?" in plain(text)
    _, text = outcome(capsys, "publish-from")
    assert "Vouliez-vous dire « publish-form » ?" in plain(text)
    _, text = outcome(capsys, "tick", "--sael", "2026-12")
    assert "paniers tick ne prend pas : --sael 2026-12. Vouliez-vous dire « --sale » ?" in plain(text)
    assert "Pour l'aide : paniers tick --help" in plain(text)


def test_a_job_name_far_from_any_lists_them_all(capsys):
    _, text = outcome(capsys, "xyzzy")
    assert "« xyzzy » n'existe pas. Possibles : init, check, tick" in plain(text)


def test_generic_messages_of_the_parser_are_french_too(capsys):
    """Messages the jobs do not trigger today (a bad type, a missing required option, a value not among choices)."""
    parser = FrenchParser(prog="essai")
    parser.add_argument("--nombre", type=int)
    parser.add_argument("--format", choices=["xlsx", "csv"])
    parser.add_argument("--obligatoire", required=True)
    for argv in (["--nombre", "trois", "--obligatoire", "x"], ["--format", "xlxs", "--obligatoire", "x"], [],
                 ["--nombre"]):
        with pytest.raises(SystemExit) as stopped:
            parser.parse_args(argv)
        text = plain(capsys.readouterr().err)
        assert stopped.value.code == 2 and "Erreur : " in text, argv
        assert not english_in(text), (argv, english_in(text), text)
    with pytest.raises(SystemExit):
        parser.parse_args(["--format", "xlxs", "--obligatoire", "x"])
    assert "« xlxs » n'existe pas. Vouliez-vous dire « xlsx » ?" in plain(capsys.readouterr().err)


def test_french_is_only_for_the_parser():
    """argparse elsewhere in the process (another library, pytest's own) keeps its words."""
    jobs.build_parser().format_help()
    assert "usage:" in argparse.ArgumentParser(prog="autre").format_usage()
    with in_french():
        assert argparse.ArgumentParser(prog="autre").format_usage().startswith("utilisation : ")
    assert argparse._("usage: ") == "usage: "


def options_of(name: str) -> set[str]:
    parser = jobs.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[name]
    return {flag for action in sub._actions for flag in action.option_strings
            if flag.startswith("--") and action.help != argparse.SUPPRESS}


EXPECTED = {
    "init": {"--demo"},
    "check": {"--now", "--sale"},
    "tick": {"--now", "--sale", "--new-journal"},
    "preview": {"--now", "--sale"},
    "status": {"--now", "--sale"},
    "demo": {"--out"},
    "lists": {"--now", "--sale", "--out"},
    "publish-form": {"--now", "--sale", "--dry-run"},
    "report": {"--now", "--sale", "--out"},
    "plan": {"--now", "--like", "--sale", "--out"},
    "doctor": {"--now", "--sale", "--send-test"},
    "site": {"--now", "--out"},
}


@pytest.mark.parametrize("name", list(jobs.JOBS))
def test_each_job_offers_only_the_options_it_uses(name, capsys):
    assert options_of(name) == EXPECTED[name] | {"--help"}
    _code, text = outcome(capsys, name, "--help")
    for flag in {"--now", "--sale", "--out", "--demo", "--like", "--dry-run", "--send-test", "--new-journal"}:
        shown = re.search(rf"^\s+{flag}\b", text, re.MULTILINE) is not None
        assert shown == (flag in EXPECTED[name]), (name, flag)


def test_config_is_accepted_before_and_after_the_job(tmp_path):
    config = tmp_path / "config.toml"
    assert jobs.build_parser().parse_args(["--config", str(config), "init"]).config == config
    assert jobs.build_parser().parse_args(["init", "--config", str(config)]).config == config
