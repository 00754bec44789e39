"""Text a person typed (a message of the ``Messages`` tab) as email HTML: paragraphs kept, links clickable,
everything else escaped. No markup a person types is ever interpreted: ``<b>`` shows as ``<b>``."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

LINK_STYLE = "color:#4a6b2f;"
PARAGRAPH_STYLE = "margin:0 0 14px 0;"

# a web address (http, https or www.) or an e-mail address; the punctuation that ends a sentence is not part of it
_LINK = re.compile(
    r"(?P<url>(?:https?://|www\.)[^\s<>\"']+)"
    r"|(?P<mail>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)»]'\""


def paragraphs(text: str) -> list[str]:
    """The text's paragraphs (separated by blank lines), each with its own line breaks."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n").strip()
    return [p.strip("\n") for p in re.split(r"\n[ \t]*\n+", text) if p.strip()]


def link(line: str) -> Markup:
    """One line, escaped, its web and e-mail addresses as links."""
    out: list[str] = []
    position = 0
    for match in _LINK.finditer(line):
        found = match.group(0)
        kept = found.rstrip(_TRAILING)
        if kept.count("(") < found[:len(kept)].count(")"):  # "(voir https://…)" : the bracket is not the link's
            kept = kept.rstrip(")")
        end = match.start() + len(kept)
        out.append(str(escape(line[position:match.start()])))
        if match.group("mail"):
            href = f"mailto:{kept}"
        else:
            href = kept if kept.lower().startswith("http") else f"https://{kept}"
        out.append(f'<a href="{escape(href)}" style="{LINK_STYLE}">{escape(kept)}</a>')
        position = end
    out.append(str(escape(line[position:])))
    return Markup("".join(out))


def to_html(text: str) -> Markup:
    """``<p>`` per paragraph, ``<br>`` per line break inside one, links made clickable."""
    blocks = []
    for paragraph in paragraphs(text):
        lines = [link(line.rstrip()) for line in paragraph.split("\n")]
        blocks.append(f'<p style="{PARAGRAPH_STYLE}">' + "<br>\n".join(lines) + "</p>")
    return Markup("\n".join(blocks))
