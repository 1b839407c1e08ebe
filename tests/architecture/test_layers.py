"""The layering rules of docs/architecture.md, checked on every import in the code (fails on a new one)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from runtime.settings import PROJECT_ROOT

# package -> the project packages it may import (besides itself). Dependencies point down:
# carebot (CLI) -> bot / console / jobs -> runtime -> actions -> storage; nlu is a leaf beside them.
ALLOWED: dict[str, set[str]] = {
    "storage": set(),
    "nlu": set(),
    "actions": {"storage"},
    "runtime": {"actions", "storage", "nlu"},
    "bot": {"runtime", "actions", "storage", "nlu"},
    "jobs": {"runtime", "actions", "storage"},
    "console": {"runtime", "actions", "storage"},
    "carebot": {"bot", "console", "jobs", "runtime", "actions", "storage", "nlu"},
}
# Transport stays out of the business rules and the store: no Telegram or web types below bot/console.
FORBIDDEN_LIBRARIES: dict[str, set[str]] = {
    "storage": {"telegram", "fastapi", "starlette", "typer"},
    "actions": {"telegram", "fastapi", "starlette", "typer"},
    "runtime": {"telegram", "fastapi", "starlette", "typer"},
    "jobs": {"telegram", "fastapi", "starlette", "typer"},
    "bot": {"fastapi", "typer"},
}


def imports_of(path: Path, depth: int = 1) -> Iterator[tuple[int, str]]:
    """(line, module cut to `depth` parts) of every absolute import in a file, including those inside functions."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, ".".join(alias.name.split(".")[:depth])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, ".".join(node.module.split(".")[:depth])


def violations(package: str) -> list[str]:
    found = []
    for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
        for line, module in imports_of(path):
            project_package = module in ALLOWED and module != package
            if (project_package and module not in ALLOWED[package]) or module in FORBIDDEN_LIBRARIES.get(package, ()):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{line} imports {module}")
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_follow_the_layers(package: str) -> None:
    assert violations(package) == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "actions").mkdir()
    (tmp_path / "actions" / "leak.py").write_text("def f():\n    from bot.telegram import app\n")
    monkeypatch.setattr("tests.architecture.test_layers.PROJECT_ROOT", tmp_path)
    assert violations("actions") == ["actions/leak.py:2 imports bot"]


def test_only_the_telegram_transport_imports_telegram() -> None:
    outside = [
        f"{path.relative_to(PROJECT_ROOT)}:{line}"
        for path in sorted((PROJECT_ROOT / "bot").rglob("*.py"))
        if "telegram" not in path.relative_to(PROJECT_ROOT / "bot").parts
        for line, module in imports_of(path)
        if module == "telegram"
    ]
    assert outside == []


def test_flows_and_intent_handlers_do_not_import_each_other() -> None:
    """Both may import bot.replies / bot.patterns; only the registration table (bot/intents.py) imports both."""
    crossing = [
        f"{path.relative_to(PROJECT_ROOT)}:{line}"
        for folder, other in (("flows", "bot.handlers"), ("handlers", "bot.flows"))
        for path in sorted((PROJECT_ROOT / "bot" / folder).rglob("*.py"))
        for line, module in imports_of(path, depth=2)
        if module == other
    ]
    assert crossing == []
