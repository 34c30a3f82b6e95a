"""The layers hold: the domain (metrics/) knows nothing of SQL or Streamlit, and no product
file grows into a god-file a newcomer cannot read.

Imports are read with ast from the source, so an import hidden inside a function body
counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

FORBIDDEN_IN_DOMAIN = ("db", "sqlalchemy", "streamlit")
MAX_LINES = 800
PRODUCT = ("metrics", "db", "views", "cli", "api")


def _py_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def _imported_modules(path: Path) -> set[str]:
    """Every module an `import x` or `from x import y` anywhere in the file names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", _py_files("metrics"), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_imports_no_sql_and_no_streamlit(path: Path) -> None:
    bad = sorted(m for m in _imported_modules(path) if m.split(".")[0] in FORBIDDEN_IN_DOMAIN)
    assert not bad, f"{path.relative_to(ROOT)} imports {', '.join(bad)}: metrics/ is the domain"


def _sized_files() -> list[Path]:
    return _py_files(*PRODUCT) + [ROOT / "dashboard.py"]


@pytest.mark.parametrize("path", _sized_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_product_file_over_800_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, (
        f"{path.relative_to(ROOT)} has {lines} lines (at most {MAX_LINES}): split it by concern"
    )


def test_the_checks_see_the_packages() -> None:
    """A check over no files passes vacuously; make sure it reads the real tree."""
    domain = {p.relative_to(ROOT).as_posix() for p in _py_files("metrics")}
    assert "metrics/progress/engine.py" in domain and "metrics/catalog.py" in domain
    assert ROOT / "dashboard.py" in _sized_files()
    assert "db" in {m.split(".")[0] for m in _imported_modules(ROOT / "views" / "common.py")}


def _db_graph() -> dict[str, set[str]]:
    """db module → the db modules it imports (anywhere in the file, functions included)."""
    graph: dict[str, set[str]] = {}
    for path in _py_files("db"):
        name = "db" if path.stem == "__init__" else f"db.{path.stem}"
        graph[name] = set()
        for module in _imported_modules(path):
            if module == "db" or module.startswith("db."):
                graph[name].add(module)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):  # `from db import audit` names the module db.audit
            if isinstance(node, ast.ImportFrom) and node.module == "db":
                graph[name].update(f"db.{alias.name}" for alias in node.names)
    return {k: {m for m in v if m in graph and m != "db"} - {k} for k, v in graph.items()}


def test_no_import_cycle_in_db() -> None:
    graph = _db_graph()
    assert "db.engine" in graph and "db.connect" in graph
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            cycle = path[path.index(node) :] + [node]
            raise AssertionError(f"import cycle in db/: {' -> '.join(cycle)}")
        if node in done:
            return
        for nxt in sorted(graph[node]):
            visit(nxt, path + [node])
        done.add(node)

    for start in sorted(graph):
        visit(start, [])
