"""Checks that must run inside the Rasa environment (Python 3.10), where the custom components live."""

from __future__ import annotations

import subprocess

from nlu.training import Project, rasa_environment


def run_in_rasa(project: Project, script: str) -> None:
    """Run `script` with the Rasa environment's Python; it asserts what it checks and prints "ok" last."""
    completed = subprocess.run(
        [str(project.rasa_python), "-c", script],
        capture_output=True,
        text=True,
        cwd=project.root,
        env=rasa_environment(project),
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip().endswith("ok")
