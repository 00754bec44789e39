"""How the package is put together: no import cycles between ``sync`` modules, and the command line loads only
what a run uses (``paniers --help``, a usage error and a tick that yields to a running one load none of pandas,
babel, Jinja2, openpyxl, matplotlib or Google's libraries)."""

from __future__ import annotations

import ast
import fcntl
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sync"

# What `paniers --help`, a usage error or a yielding tick must not load: each costs tens to hundreds of
# milliseconds, and none of them is used before a job does real work.
HEAVY = ("pandas", "numpy", "openpyxl", "python_calamine", "matplotlib", "jinja2", "gspread", "google", "babel",
         "xhtml2pdf", "reportlab", "requests", "yagmail", "PIL")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _module_level(body: list[ast.stmt]):
    """The import statements Python runs when it loads the module: not those in functions, nor under
    ``if TYPE_CHECKING:``; those in module-level ``if``/``try``/``with`` blocks and class bodies do count."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                yield from _module_level(block)
        elif isinstance(node, (ast.With, ast.ClassDef)):
            yield from _module_level(node.body)


def _anywhere(body: list[ast.stmt]):
    """Every import statement that can run, in functions too (a deferred import); not under TYPE_CHECKING."""
    for node in body:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _anywhere(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                yield from _anywhere([child])


def imports_of(name: str, deferred: bool = False) -> set[str]:
    """The ``sync`` modules that loading ``name`` loads directly (``from pkg import sub`` names the submodule
    when there is one, else the package); with ``deferred``, those its functions load when they run, too."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    statements = (_anywhere if deferred else _module_level)(ast.parse(path.read_text(encoding="utf-8")).body)
    for node in statements:
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source
                       for alias in node.names]
        found |= {target for target in targets if target in MODULES and target != name}
    return found


def graph(deferred: bool = False) -> dict[str, set[str]]:
    return {name: imports_of(name, deferred) for name in MODULES}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each group of modules that import one another, sorted."""
    return sorted(_a_cycle_through(group, edges) for group in tangles(edges))


def tangles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """Each strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(frozenset(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(edges)))
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def _a_cycle_through(group: set[str], edges: dict[str, set[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group: A → B → … → A."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(edges[node] & group):
                if target == start:
                    return [*paths[node], start]
                if target not in paths:
                    paths[target] = [*paths[node], target]
                    following.append(target)
        frontier = following
    raise AssertionError(group)  # a strongly connected group always has one


def test_the_graph_reads_module_level_imports_only():
    """The reader itself: relative imports resolve, a submodule imported from its package counts, and imports in
    functions or under TYPE_CHECKING do not."""
    edges = graph()
    assert "sync.config" in edges["sync.commands"]
    assert "sync.errors" in edges["sync.config"]
    assert "sync.stores.base" not in edges["sync.commands"]  # under TYPE_CHECKING
    assert "sync.commands.tick_work" not in edges["sync.commands.tick"]  # imported inside once()
    assert "sync.commands.tick_work" in graph(deferred=True)["sync.commands.tick"]
    assert "sync.stores.base" not in graph(deferred=True)["sync.commands"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_import_cycle_between_sync_modules():
    """A cycle makes the import order matter (a name used before its module finished loading) and the modules
    impossible to read one at a time: each module imports only modules below it in the pipeline."""
    found = cycles(graph())
    assert found == [], "import cycles:\n" + "\n".join(" → ".join(cycle) for cycle in found)


def test_no_cycle_hidden_in_a_function_either():
    """An import moved into a function to break a cycle still ties the two modules together: counting the
    deferred imports too (loading a heavy library where it is used is fine, loading a module that imports
    this one is not), there is none either: the mail layer's (mailer ↔ outbox/smtp, message ↔ wire) went with
    issue 19, the mailers now import the seam (mail/mailer.py) and mail/backends.py picks one."""
    edges = graph(deferred=True)
    found = [_a_cycle_through(group, edges) for group in tangles(edges)]
    assert found == [], "import cycles:\n" + "\n".join(" → ".join(cycle) for cycle in found)
    assert tangles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [frozenset({"a", "b"})]


def test_each_module_imports_alone():
    """Each module loads first, with no other ``sync`` module loaded before it (one interpreter, its ``sync``
    modules forgotten between two imports: libraries stay loaded, which only saves time)."""
    script = (
        "import importlib, sys, traceback\n"
        "failed = []\n"
        f"for name in {sorted(MODULES)!r}:\n"
        "    for loaded in [m for m in sys.modules if m == 'sync' or m.startswith('sync.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception:\n"
        "        failed.append(name + ':\\n' + traceback.format_exc())\n"
        "print('\\n'.join(failed))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


def _loaded(args: list[str], cwd: Path) -> tuple[set[str], float, subprocess.CompletedProcess]:
    """The modules ``python -X importtime jobs.py ARGS`` loads, and the sum of their own import times (seconds):
    the interpreter's start-up is subtracted by measuring ``python -c pass`` the same way."""
    def run(command: list[str]) -> tuple[dict[str, int], subprocess.CompletedProcess]:
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        result = subprocess.run([sys.executable, "-X", "importtime", *command], cwd=cwd, capture_output=True,
                                text=True, check=False, env=env)
        times = {}
        for line in result.stderr.splitlines():
            if line.startswith("import time:") and "self [us]" not in line:
                own, _, module = line[len("import time:"):].split("|")
                times[module.strip()] = int(own)
        return times, result

    bare, _ = run(["-c", "pass"])
    times, result = run([str(ROOT / "jobs.py"), *args])
    extra = sum(us for module, us in times.items() if module not in bare)
    return set(times), extra / 1e6, result


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def test_help_and_a_usage_error_load_nothing_heavy(tmp_path):
    for args, code in ((["--help"], 0), (["chek"], 2)):
        modules, seconds, result = _loaded(args, tmp_path)
        assert result.returncode == code, result.stderr[-2000:]
        assert _heavy(modules) == [], args
        assert seconds < 0.25, (args, seconds)  # ~0.02 s on a quiet machine; generous for a loaded CI


def test_a_tick_that_yields_to_a_running_one_loads_nothing_heavy_nor_the_workbook(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[store]\npath = 'paniers.xlsx'\n", encoding="utf-8")  # no workbook: never opened
    with open(tmp_path / ".paniers.lock", "a+", encoding="utf-8") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        held.write("processus 1, commencé le 01/12/2026 à 08:00\n")
        held.flush()
        modules, seconds, result = _loaded(["tick", "--now", "2026-12-01 08:10"], tmp_path)
    assert result.returncode == 0 and "Un autre passage est en cours" in result.stdout, result.stderr[-2000:]
    assert _heavy(modules) == []
    assert not {"sync.stores", "sync.sheet", "sync.commands.tick_work"} & modules
    assert seconds < 0.25, seconds  # ~0.03 s on a quiet machine
