"""Start the project's Rasa server as a child process and wait until its model is loaded.

Used by `carebot chat --with-nlu` and by the tests; production runs `carebot nlu serve` itself.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from nlu.training import Project, current_model, rasa_environment, serve_command

READY_TIMEOUT_SECONDS = 120.0


class ServerDidNotStart(RuntimeError):
    """The Rasa server exited or did not load its model in time."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def is_ready(url: str, timeout: float = 1.0) -> bool:
    """True when a Rasa server at `url` answers /status with a loaded model."""
    try:
        return bool(httpx.get(f"{url}/status", timeout=timeout).json().get("model_file"))
    except (httpx.HTTPError, ValueError):
        return False


@contextmanager
def running_server(
    project: Project, *, port: int | None = None, log: Path | None = None, model: Path | None = None
) -> Iterator[str]:
    """A Rasa server with `model` (default: the current one) on a free port; yields its URL, then stops it."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    output = log.open("w", encoding="utf-8") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        serve_command(project, model=model or current_model(project), port=port),
        cwd=project.root,
        env=rasa_environment(project),
        stdout=output,
        stderr=output,
    )
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
        if log:
            output.close()  # type: ignore[union-attr]


def _wait_until_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerDidNotStart(f"the Rasa server exited with {process.returncode}")
        if is_ready(url):
            return
        time.sleep(0.5)  # polling a readiness probe of a child process
    raise ServerDidNotStart("the Rasa server did not load its model in time")
