"""NLU fixtures: the labelled examples as Rasa reads them, and the real Rasa server for `nlu` tests."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nlu.evaluation import Example, read_yaml
from nlu.training import Project
from tests.conftest import PROJECT_ROOT

SERVER_START_SECONDS = 90.0


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(PROJECT_ROOT)


@pytest.fixture(scope="session")
def training_examples(project: Project) -> list[Example]:
    """nlu/data read with Rasa's own reader (read-only, shared by the data tests)."""
    return read_yaml(project, [project.data_dir])


@pytest.fixture(scope="session")
def test_examples(project: Project) -> list[Example]:
    return read_yaml(project, sorted(project.tests_dir.glob("*.yml")))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _wait_until_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    """Poll GET /status until the model is loaded; fail fast if the server exits."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"carebot nlu serve exited with {process.returncode}")
            try:
                if client.get(f"{url}/status").json().get("model_file"):
                    return
            except (httpx.TransportError, ValueError):
                pass
            time.sleep(0.5)  # polling a readiness probe, not synchronising on a guess
    raise RuntimeError("the Rasa server did not become ready in time")


@pytest.fixture(scope="session")
def nlu_server(project: Project) -> Iterator[str]:
    """`carebot nlu serve` on a free port with the trained model; its URL. Trains first if stale."""
    carebot = Path(PROJECT_ROOT / ".venv" / "bin" / "carebot")
    subprocess.run([str(carebot), "nlu", "train"], cwd=PROJECT_ROOT, check=True, timeout=600)
    port = _free_port()
    env = {**os.environ, "NLU_PORT": str(port)}
    process = subprocess.Popen(
        [str(carebot), "nlu", "serve", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
