"""Sub-command groups of the `carebot` CLI, one module per concern."""

from __future__ import annotations

import importlib

import typer

# module name -> (typer group name or None for top-level commands)
COMMAND_MODULES = [
    "db",
    "nlu",
    "loyalty",
    "bot",
    "customers",
    "imports",
    "demo",
    "worker",
    "campaigns",
    "care",
    "occasions",
    "chat",
    "tickets",
    "staff",
    "console",
    "nlu_labels",
]


def register_all(app: typer.Typer) -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"carebot.commands.{name}")
        module.register(app)
