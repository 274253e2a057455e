"""No import cycle in ``ivr/``, ``flows/`` or ``speech/``: the modules form a layered graph.

Every import counts: at module level, inside functions, and under ``TYPE_CHECKING``, because a
circle that only runs late is still a circle a reader has to hold in mind (and a late import
that is moved up becomes a crash at start-up). The graph is read from the source with ``ast``;
nothing is imported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from flows.check import strongly_connected

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ivr", "flows", "speech")


def module_files() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if "migrations" in parts:
                continue  # run by Alembic, never imported by the gateway's code
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imported_names(path: Path, module: str) -> Iterator[str]:
    """Every dotted name an import in the file may refer to, made absolute."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                yield f"{base}.{alias.name}"  # a submodule, or a name inside ``base``
                yield base


def import_graph() -> dict[str, set[str]]:
    modules = module_files()

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = {owner(name) for name in imported_names(path, module)}
        graph[module] = {t for t in targets if t and t != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (the flow check's Tarjan)."""
    edges = {module: sorted(targets & graph.keys()) for module, targets in graph.items()}
    return [component for component in strongly_connected(edges) if len(component) > 1]


def test_no_module_imports_itself_back_through_others() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_function_level_and_type_checking_imports_count(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ivr.app import Runtime\n"
        "def f():\n    from ivr.cli import main\n",
        encoding="utf-8",
    )
    names = set(imported_names(source, "ivr.m"))
    assert {"ivr.app", "ivr.cli"} <= names


def test_nothing_imports_the_app_or_the_command_group() -> None:
    graph = import_graph()
    importers = {m for m, targets in graph.items() if targets & {"ivr.app", "ivr.cli"}}
    # The command group reaches the app only through ``ivr serve``.
    assert importers <= {"ivr.serve", "ivr.__main__"}
