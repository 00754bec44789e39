"""The README is the front door: short, one title, the two commands that CI runs, a map of every part of the code,
and links that lead somewhere (the reference lives in docs/dev/ and in the modules' docstrings)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def outside_code(text: str) -> list[str]:
    lines, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def code_map() -> list[str]:
    """The names the map of the code gives, in its order (``sync/`` entries indented under it)."""
    block = README[README.index("## The code"):]
    block = block[block.index("```") + 3:]
    block = block[:block.index("```")]
    return [line.split()[0] for line in block.splitlines() if line.strip()]


def test_the_readme_is_short_with_one_title():
    assert len(README.encode("utf-8")) < 12_000
    assert [line for line in outside_code(README) if re.match(r"# ", line)] == ["# Paniers"]


def test_ci_runs_exactly_the_readme_s_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    quick_start = README[README.index("## Quick start"):README.index("## Your own group")]
    assert ci in quick_start.splitlines()
    assert "paniers demo" in quick_start


def test_the_code_map_names_every_part_of_the_package_once_in_pipeline_order():
    listed = code_map()
    package = sorted(p.name + ("/" if p.is_dir() else "") for p in (ROOT / "sync").iterdir()
                     if p.name != "__init__.py" and not p.name.startswith((".", "__pycache__")))
    named = [name for name in listed if name in package or name.removesuffix("/") in package]
    assert sorted(named) == package and len(named) == len(set(named))
    order = ["config.py", "stores/", "sheet.py", "snapshot.py", "catalogue.py", "orders/", "refresh.py", "cycle.py",
             "mail/", "lists/", "site/", "commands/", "jobs.py"]
    assert [name for name in listed if name in order] == order


def test_every_relative_link_of_the_readme_and_the_docs_leads_to_a_file():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)[^)]*\)", page.read_text(encoding="utf-8")):
            if not re.match(r"[a-z]+:", target) and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} → {target}")
    assert broken == []


def test_every_page_the_code_points_to_exists():
    """Docstrings send the reader to docs/ and docs/dev/: those pages must be there."""
    named = {(path.relative_to(ROOT), page) for path in [*(ROOT / "sync").rglob("*.py"), ROOT / "jobs.py"]
             for page in re.findall(r"docs/[\w/.-]+\.md", path.read_text(encoding="utf-8"))}
    assert named and [f"{path} → {page}" for path, page in sorted(named) if not (ROOT / page).exists()] == []
