"""The one real Rasa server of a test run (session-scoped), shared by the NLU and the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nlu.local_server import running_server
from nlu.training import Project, train
from runtime.settings import PROJECT_ROOT


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(PROJECT_ROOT)


@pytest.fixture(scope="session")
def nlu_server(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Rasa server with the current model (trained first if data or config changed); its URL."""
    train(project, log=project.results_dir / "nlu_train.log")
    with running_server(project, log=tmp_path_factory.mktemp("nlu") / "server.log") as url:
        yield url
