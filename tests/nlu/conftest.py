"""NLU fixtures: the labelled examples as Rasa reads them (the Rasa server is in tests/support/nlu_fixtures.py)."""

from __future__ import annotations

import pytest

from nlu.evaluation import Example, read_examples, read_yaml
from nlu.training import Project


@pytest.fixture(scope="session")
def training_examples(project: Project) -> list[Example]:
    """nlu/data read with Rasa's own reader (read-only, shared by the data tests)."""
    return read_yaml(project, [project.data_dir])


@pytest.fixture(scope="session")
def test_examples(project: Project) -> list[Example]:
    return read_yaml(project, sorted(project.tests_dir.glob("*.yml")))


@pytest.fixture(scope="session")
def dev_examples(project: Project) -> list[Example]:
    """nlu/dev: the YAML sets and the TSV sets (intent<TAB>text[<TAB>kind], e.g. hard.tsv)."""
    return read_examples(project, sorted(p for p in project.dev_dir.iterdir() if p.suffix in {".yml", ".tsv"}))
