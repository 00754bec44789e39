"""What the tool prints never drives the terminal: people's text is shown, never obeyed.

A name typed in the form can hold escape sequences (``\\x1b[2J`` clears the screen, ``\\x1b]0;…\\x07`` retitles the
window, an 8-bit ``\\x9b`` does the same on some terminals, a ``\\r`` rewrites the start of a line), and commands
print names in their reports. ``printable`` replaces every C0 and C1 control character and DEL, except the line
feed and the tab that the reports use, with U+FFFD (�): the place stays visible, the sequence is inert. Everything
the jobs print goes through it: ``Context.say`` (sync/commands/__init__.py) and the lines of ``jobs.py``.

It is also where the terminal's text gets its French spacing (``sync/french.py``): the one place for everything a
job prints, so messages are written with ordinary spaces. A Python traceback is technical text: ``inert`` only
makes it harmless and leaves its spacing alone.
"""

from __future__ import annotations

import re

from .french import typography

PLACEHOLDER = "\ufffd"
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def inert(text: str) -> str:
    """``text`` with every control character but the line feed and the tab replaced by U+FFFD."""
    return _CONTROLS.sub(PLACEHOLDER, text)


_LINE = re.compile(r"^([ \t]*)(.*)$", re.MULTILINE)  # a line's indentation, then its text


def printable(text: str) -> str:
    """Lines for the terminal: inert, and typeset in French. Each line's indentation is the report's layout
    (``  ! note``, ``    - email``), not a space before a mark: it is kept as it is."""
    return _LINE.sub(lambda line: line[1] + typography(line[2]), inert(text))
