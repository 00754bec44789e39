"""No import cycle through ``sync/mail`` (issue 19): ``mailer`` imported the mailers that import it, ``message``
and ``wire`` imported each other. A cycle works until someone moves an import, and then fails at start-up with
a half-initialised module; it also means neither module can be read, tested or replaced alone.

The graph is read from the source (``ast``), not by importing: every ``import`` of a ``sync`` module, at module
level or inside a function (a lazy import still ties the two modules together: it only delays the failure),
``if TYPE_CHECKING:`` blocks left out (they never run)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sync"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_only(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The ``sync`` modules ``name`` imports (``from . import x`` is the module ``x`` when there is one)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _type_checking_only(node):
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {target for target in found if target in known and target != name}


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def cycles_through(prefix: str, edges: dict[str, set[str]]) -> list[list[str]]:
    """Each import cycle that passes through a module named ``prefix…``, as the list of its modules."""
    found, seen = [], set()
    for start in sorted(n for n in edges if n.startswith(prefix)):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for target in sorted(edges[node]):
                if target == start:
                    cycle = frozenset(path)
                    if cycle not in seen:
                        seen.add(cycle)
                        found.append([*path, start])
                elif target not in path and len(path) < 12:
                    stack.append((target, [*path, target]))
    return found


def test_the_graph_reads_the_imports_it_should():
    edges = graph()
    assert "sync.mail.message" in edges["sync.mail.mailer"]  # from .message import …
    assert "sync.mail.kinds" in edges["sync.mail.outbox"]  # from . import kinds
    assert "sync.mail.smtp" in edges["sync.mail.backends"]  # a lazy import counts
    assert "sync.values" in edges["sync.mail.message"]  # from ..values import …


def test_no_import_cycle_through_sync_mail():
    assert cycles_through("sync.mail", graph()) == []


def test_the_cycle_check_finds_a_cycle():
    assert cycles_through("sync.mail", {"sync.mail.a": {"sync.b"}, "sync.b": {"sync.mail.a"}}) == [
        ["sync.mail.a", "sync.b", "sync.mail.a"]]


@pytest.mark.parametrize("name", sorted(n for n in modules() if n.startswith("sync.mail")))
def test_each_mail_module_imports_alone(name):
    """Imported first, in a fresh interpreter: no module of the mail layer needs another to have been imported
    before it (what a cycle would break)."""
    done = subprocess.run([sys.executable, "-c", f"import {name}"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
