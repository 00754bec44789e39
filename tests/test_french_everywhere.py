"""Issue 18: everything a person reads is French, well typeset, wherever it leaves the tool.

A whole demo sale is played through the real entry point, then every kind of email (the demo's outbox and one of
each kind from test_mail_compose), the printable documents' HTML, the site's pages, the report, the Anomalies tab
and what the commands print (demo, check, status, tick, lists, site, report, preview) are read by a checker written
here with its own regular expressions, not with ``sync.french``, so that it can disagree with the helper.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import html as html_module
import io
import re

import pytest

NNBSP, NBSP = "\u202f", "\u00a0"
_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
# (what is wrong, a pattern that finds it). ``{wrong}`` is any space but the no-break one wanted before ; : ! ? and
# inside « » (``{nb}``: U+202F on screens, U+00A0 in PDFs).
_RULES = [
    ("a wrong space before ; ! ?", r"(?<=\S){wrong}+[;!?](?=\s|$)"),
    ("no space before ; ! ?", r"(?<=[\w)\]…])[;!?](?=\s|$)"),
    ("a wrong space before :", r"(?<=\S){wrong}+:(?=\s|$)"),
    ("no space before :", r"(?<=[^\W\d]):(?=\s|$)"),
    ("« not followed by a no-break space", r"«(?!{nb})"),
    ("» not preceded by a no-break space", r"(?<!{nb})»"),
    ("an amount without a no-break space before €", r"\d[ \t\u202f]?€"),
    ("a date with an ordinary space", rf"\d[ \t]+(?:{_MONTHS})\b"),
    ("a year with an ordinary space", rf"\b(?:{_MONTHS})[ \t]+\d{{4}}\b"),
    ("an hour with an ordinary space", r"\b\d{1,2}[ \t]h\b"),
    ("a plural or feminine in parentheses", r"\w\((?:s|e|x|es)\)"),
    ("a preposition before an article", r"\b(?:[Dd]e|[àÀ]) (?:Les?|L')\s"),
    ("a plural after one", r"\b(?:Les|les) [01] \w+s\b"),
]


def offences(text: str, *, nb: str = NNBSP) -> list[str]:
    """What is wrong with ``text``'s French typography: one line per offence, with where it is."""
    wrong = "[" + "".join(c for c in " \t\u00a0\u202f" if c != nb) + "]"
    found = []
    for what, pattern in _RULES:
        for match in re.finditer(pattern.replace("{wrong}", wrong).replace("{nb}", nb), text, re.MULTILINE):
            start, end = max(match.start() - 30, 0), match.end() + 30
            found.append(f"{what}: …{text[start:end]!r}…")
    return found


_BLOCK = re.compile(r"</?(?:p|div|td|th|tr|li|ul|ol|table|h[1-6]|br|hr|section|header|footer|nav|main|article|"
                    r"title|dt|dd|dl|figure|figcaption|caption|thead|tbody|blockquote|span class=\"small\")\b[^>]*>",
                    re.IGNORECASE)


def text_of(html: str) -> str:
    """What a reader sees of an HTML page: no style, script, code, comments nor tags; entities read."""
    html = re.sub(r"<(style|script|code|pre)\b.*?</\1>", "", html, flags=re.DOTALL | re.IGNORECASE)
    html = re.sub(r"<!--.*?-->", "", html, flags=re.DOTALL)
    html = _BLOCK.sub("\n", html)
    html = re.sub(r"<[^>]*>", "", html)
    return html_module.unescape(html)


def test_the_checker_finds_what_the_issue_lists():
    bad = ("0 commande(s) ; non envoyé(e) : 2 nouveau(x) foyer(s). Les 1 dernières ventes, la liste de Les Paniers "
           "d'Azay, au Le Fournil. Merci ! Vraiment ? « Pain » 12,50 € le 13 décembre 2026 à 9 h 30")
    found = offences(bad)
    for what in ("plural or feminine", "wrong space before ; ! ?", "wrong space before :", "«", "»", "amount", "date",
                 "year", "hour", "preposition", "plural after one"):
        assert any(what in line for line in found), what
    good = (f"0{NBSP}commande{NNBSP}; non envoyé{NNBSP}: 2{NBSP}nouveaux foyers. La dernière vente, la liste des "
            f"Paniers d'Azay. Merci{NNBSP}! Vraiment{NNBSP}? «{NNBSP}Pain{NNBSP}» 12,50{NBSP}€ le 13{NBSP}décembre"
            f"{NBSP}2026 à 9{NBSP}h{NBSP}30, https://exemple.fr/?a=1 à 20:05, Où regarder{NNBSP}:\n  - ici")
    assert offences(good) == []


# --- one demo, everything it makes ----------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """A demo played through ``jobs.main``, then the jobs a coordinator runs on it; every PDF's HTML kept."""
    import jobs
    from sync.lists import render

    folder = tmp_path_factory.mktemp("typo") / "demo"
    pdf_html: list[str] = []
    prints: dict[str, str] = {}
    real = render.html_to_pdf

    def keep(html: str, what: str = "document") -> bytes:
        pdf_html.append(html)
        return b"%PDF-1.4\n"

    config = str(folder / "config.toml")
    after = "2026-12-12 10:05"
    runs = {
        "demo": ["demo", "--out", str(folder)],
        "check": ["--config", config, "check", "--now", after],
        "status": ["--config", config, "status", "--now", after],
        "status-open": ["--config", config, "status", "--now", "2026-12-05 10:00"],
        "tick": ["--config", config, "tick", "--now", after],
        "preview": ["--config", config, "preview", "--now", "2026-12-13 10:00"],
        "lists": ["--config", config, "lists", "--sale", "2026-12", "--now", after, "--out", str(folder / "l2")],
        "site": ["--config", config, "site", "--now", "2026-12-05 10:00", "--out", str(folder / "site-open")],
        "report": ["--config", config, "report", "--sale", "2026-12", "--now", after, "--out",
                   str(folder / "bilan.html")],
    }
    render.html_to_pdf = keep
    try:
        for name, argv in runs.items():
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = jobs.main(argv)
            prints[name] = out.getvalue() + err.getvalue()
            assert code in (0, 1), (name, prints[name])
    finally:
        render.html_to_pdf = real
    return folder, prints, pdf_html


def _assert_typeset(where: str, text: str, *, nb: str = NNBSP) -> None:
    found = offences(text, nb=nb)
    assert not found, f"{where}:\n" + "\n".join(found[:20])


def test_what_the_commands_print(demo_run):
    _, prints, _ = demo_run
    assert "Où regarder" in prints["demo"] and "Vente 2026-12" in prints["status"]
    for name, text in prints.items():
        _assert_typeset(f"paniers {name}", text)


def test_every_email_of_the_demo(demo_run):
    folder, _, _ = demo_run
    files = sorted((folder / "outbox").glob("*.eml"))
    assert len(files) > 50
    for path in files:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        _assert_typeset(f"{path.name} subject", str(message["Subject"]))
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                _assert_typeset(f"{path.name} text", part.get_content())
            elif part.get_content_type() == "text/html":
                _assert_typeset(f"{path.name} html", text_of(part.get_content()))
    # the outbox's index.html lists them: French dates, labels, subjects
    _assert_typeset("outbox/index.html", text_of((folder / "outbox" / "index.html").read_text(encoding="utf-8")))


def test_every_kind_of_email():
    from test_mail_compose import all_emails

    for mail in all_emails():
        _assert_typeset(f"{mail.kind} subject", mail.subject)
        _assert_typeset(f"{mail.kind} text", mail.text)
        _assert_typeset(f"{mail.kind} html", text_of(mail.html))


def test_the_printable_documents(demo_run):
    _, _, pdf_html = demo_run
    assert len(pdf_html) > 10
    # The PDF engine breaks lines at U+202F as at a space: documents use U+00A0 where a screen uses U+202F.
    for html in pdf_html:
        title = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
        _assert_typeset(f"PDF {title.group(1) if title else '?'}", text_of(html), nb=NBSP)


def test_the_site_and_the_report(demo_run):
    folder, _, _ = demo_run
    pages = [*(folder / "site").glob("*.html"), *(folder / "site-open").glob("*.html"),
             *(folder / "site-open").glob("*/*.html"), folder / "bilan.html"]
    assert len(pages) > 4
    for page in pages:
        _assert_typeset(str(page.relative_to(folder)), text_of(page.read_text(encoding="utf-8")))


def test_the_anomalies_tab_reads_as_french(demo_run):
    import openpyxl

    folder, _, _ = demo_run
    workbook = openpyxl.load_workbook(folder / "paniers.xlsx", read_only=True)
    rows = list(workbook["Anomalies"].iter_rows(values_only=True))
    column = rows[0].index("Problème")
    assert len(rows) > 1
    for row in rows[1:]:
        _assert_typeset("Anomalies", str(row[column]))


def test_codes_and_addresses_are_never_typeset(demo_run):
    """Cells read back stay as typed: an email, a code, a key or a date never gains a no-break space."""
    import openpyxl

    folder, _, _ = demo_run
    workbook = openpyxl.load_workbook(folder / "paniers.xlsx", read_only=True)
    for tab in ("Journal", "Commandes", "Clients", "Émargement"):
        rows = list(workbook[tab].iter_rows(values_only=True))
        header = rows[0]
        for name in ("Clé", "Email", "Vente", "Produit", "Message-ID", "Date"):
            if name in header:
                column = header.index(name)
                cells = [str(row[column]) for row in rows[1:] if row[column] is not None]
                assert not any(NNBSP in cell or NBSP in cell for cell in cells), (tab, name)
