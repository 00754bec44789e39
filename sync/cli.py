"""The command line's parser, in French: argparse's own words included (usage line, headings, ``--help``, errors).

argparse writes its words through ``gettext`` (``argparse._`` and ``argparse.ngettext``, looked up when a message
is made). ``FrenchParser`` makes them while those two names answer from ``MESSAGES``, a table of argparse's message
ids, for as long as it builds itself, parses or formats its help, and no longer: nothing else in the process sees
a change. A message id missing from the table stays English; tests/test_cli_french.py runs every help and every
kind of usage error and fails on any English word, so a new Python that adds a message shows up there.

A wrong job name is answered with the closest one (« chek » → « check », ``difflib``). Usage errors still end the
process with code 2. Light on purpose: the parser is built before anything heavy is imported (``paniers --help``).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# argparse's message ids (Python 3.11 to 3.13) and their French. Placeholders are argparse's own.
MESSAGES: dict[str, str] = {
    "usage: ": "utilisation : ",
    "positional arguments": "Paramètres",
    "options": "Options",
    "show this help message and exit": "afficher cette aide et s'arrêter",
    "show program's version number and exit": "afficher la version et s'arrêter",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s : %(message)s",
    "the following arguments are required: %s": "il manque %s",  # « Erreur : il manque TÂCHE »
    "one of the arguments %s is required": "il faut l'un de ceux-ci : %s",
    "unrecognized arguments: %s": "je ne connais pas : %s",
    "expected one argument": "il faut une valeur après cette option",
    "expected at most one argument": "au plus une valeur après cette option",
    "expected at least one argument": "au moins une valeur après cette option",
    "expected %s argument": "il faut %s valeur après cette option",
    "expected %s arguments": "il faut %s valeurs après cette option",
    "invalid %(type)s value: %(value)r": "« %(value)s » n'est pas une valeur possible",
    "invalid choice: %(value)r (choose from %(choices)s)": "« %(value)s » n'est pas possible (choix : %(choices)s)",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut être %(matches)s",
    "not allowed with argument %s": "impossible avec %s",
    "ignored explicit argument %r": "valeur en trop : %r",
    "unexpected option string: %s": "option inattendue : %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "« %(parser_name)s » n'existe pas (choix : %(choices)s)",
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir « %(filename)s » : %(error)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
}


def _gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def _ngettext(singular: str, plural: str, count: int) -> str:
    return _gettext(singular if count == 1 else plural)


@contextmanager
def in_french() -> Iterator[None]:
    """argparse's messages in French while inside; what was there before, after (even on an exception or exit)."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _gettext, _ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class FrenchFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions kept as written (the jobs' docstrings); a section heading reads « Options : »."""

    def start_section(self, heading: str | None) -> None:
        super().start_section(f"{heading} " if heading else heading)

    def _format_action(self, action: argparse.Action) -> str:
        """The list of jobs under « Tâches : », without argparse's line for the placeholder (« TÂCHE ») above
        it, which reads as one more job."""
        if isinstance(action, argparse._SubParsersAction):
            return "".join(self._format_action(job) for job in action._get_subactions())
        return super()._format_action(action)


class FrenchParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that speaks French, suggests the closest choice, and ends usage errors with code 2."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", FrenchFormatter)
        with in_french():
            super().__init__(*args, **kwargs)

    def parse_known_args(self, args=None, namespace=None):
        with in_french():
            return super().parse_known_args(args, namespace)

    def parse_args(self, args=None, namespace=None):
        """As argparse's, but words left over are blamed on the job they were given to (its usage, its help),
        with the closest option it does take."""
        with in_french():
            parsed, extras = self.parse_known_args(args, namespace)
            if extras:
                chosen = getattr(parsed, self._jobs.dest, None) if self._jobs else None
                where = self._jobs.choices.get(chosen, self) if self._jobs else self
                where.error(where.unknown(extras))
            return parsed

    def unknown(self, extras: list[str]) -> str:
        options = [flag for action in self._actions for flag in action.option_strings
                   if action.help != argparse.SUPPRESS]
        text = f"{self.prog} ne prend pas : {' '.join(extras)}."
        for extra in extras:
            close = difflib.get_close_matches(extra.partition("=")[0], options, n=1) if extra.startswith("-") else []
            if close:
                text += f" Vouliez-vous dire « {close[0]} » ?"
        return text

    def format_usage(self) -> str:
        with in_french():
            return super().format_usage()

    def format_help(self) -> str:
        with in_french():
            return super().format_help()

    _jobs: argparse.Action | None = None  # the sub-commands, when this parser has some

    def add_subparsers(self, **kwargs):
        with in_french():
            self._jobs = super().add_subparsers(**kwargs)
        return self._jobs

    def _check_value(self, action: argparse.Action, value) -> None:
        if action.choices is None or value in action.choices:
            return
        choices = [str(choice) for choice in action.choices]
        close = difflib.get_close_matches(str(value), choices, n=1)
        hint = f" Vouliez-vous dire « {close[0]} » ?" if close else f" Possibles : {', '.join(choices)}."
        raise argparse.ArgumentError(action, f"« {value} » n'existe pas.{hint}")

    def error(self, message: str):
        """The usage line, then what is wrong and where to find help; exit code 2."""
        from .terminal import printable  # what was typed is shown back: never a control character

        self.print_usage(sys.stderr)
        self.exit(2, printable(f"Erreur : {message}\nPour l'aide : {self.prog} --help\n"))
