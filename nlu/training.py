"""Training, locating and serving the Rasa model; Rasa itself runs in `.venv-nlu` as a subprocess.

A model is named after a hash of everything that shapes it (config.yml, the training data, the
custom components, the Rasa lock file), so `train` skips when nothing changed and `serve` always
finds the model that matches the tree.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from nlu.generated import write_generated

logger = logging.getLogger(__name__)

MODEL_PREFIX = "nlu-"
MODEL_SUFFIX = ".tar.gz"


@dataclass(frozen=True)
class Project:
    """Paths of the NLU parts of a project checkout."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.yml"

    @property
    def data_dir(self) -> Path:
        return self.root / "nlu" / "data"

    @property
    def tests_dir(self) -> Path:
        return self.root / "nlu" / "tests"

    @property
    def dev_dir(self) -> Path:
        """Development sets: for choosing data and settings, so that tests_dir stays held out."""
        return self.root / "nlu" / "dev"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def results_dir(self) -> Path:
        return self.root / "results"

    @property
    def catalogue(self) -> Path:
        return self.root / "data" / "demo" / "catalogue.json"

    @property
    def rasa_python(self) -> Path:
        return self.root / ".venv-nlu" / "bin" / "python"

    @property
    def rasa_bin(self) -> Path:
        return self.root / ".venv-nlu" / "bin" / "rasa"

    def hashed_inputs(self) -> list[Path]:
        data = sorted(p for p in self.data_dir.rglob("*") if p.suffix in {".yml", ".yaml"})
        components = sorted((self.root / "nlu" / "components").glob("*.py"))
        locks = [self.root / "requirements" / name for name in ("nlu.lock", "nlu-nodeps.lock")]
        return [self.config, *data, *components, *locks]


@dataclass(frozen=True)
class TrainOutcome:
    model: Path
    trained: bool
    seconds: float


class TrainingFailed(Exception):
    """`rasa train nlu` exited with an error; its output went to the terminal."""


class NoModel(Exception):
    """No trained model under models/; run `carebot nlu train`."""


def inputs_hash(project: Project) -> str:
    digest = hashlib.sha256()
    for path in project.hashed_inputs():
        digest.update(str(path.relative_to(project.root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes() if path.exists() else b"")
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(project: Project, digest: str) -> Path:
    return project.models_dir / f"{MODEL_PREFIX}{digest}{MODEL_SUFFIX}"


def current_model(project: Project) -> Path:
    """The model matching the tree, else the newest one trained."""
    generated = project.data_dir / "entities.yml"
    if generated.exists():
        exact = model_path(project, inputs_hash(project))
        if exact.exists():
            return exact
    candidates = sorted(project.models_dir.glob(f"{MODEL_PREFIX}*{MODEL_SUFFIX}"), key=lambda p: p.stat().st_mtime)
    if not candidates:
        raise NoModel(str(project.models_dir))
    return candidates[-1]


def rasa_environment(project: Project) -> dict[str, str]:
    """Environment for Rasa subprocesses: project on the path (custom components), quiet TF, no telemetry."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project.root), env.get("PYTHONPATH")]))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    # Rasa's training cache is keyed on config and data, not on our components' code: a changed
    # component could be restored stale. Training is fast enough to always start from scratch.
    env["RASA_MAX_CACHE_SIZE"] = "0"
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def train(project: Project, *, force: bool = False, log: Path | None = None) -> TrainOutcome:
    """Regenerate the catalogue-derived data, then train unless a model for these inputs exists.

    Rasa's output goes to the terminal, or to `log` when given.
    """
    write_generated(project.catalogue, project.data_dir)
    digest = inputs_hash(project)
    target = model_path(project, digest)
    if target.exists() and not force:
        return TrainOutcome(model=target, trained=False, seconds=0.0)
    project.models_dir.mkdir(exist_ok=True)
    started = time.perf_counter()
    command = [
        str(project.rasa_bin), "train", "nlu",
        "--config", str(project.config),
        "--nlu", str(project.data_dir),
        "--out", str(project.models_dir),
        "--fixed-model-name", target.name.removesuffix(MODEL_SUFFIX),
    ]  # fmt: skip
    if log is None:
        completed = subprocess.run(command, cwd=project.root, env=rasa_environment(project), check=False)
    else:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w", encoding="utf-8") as output:
            completed = subprocess.run(
                command, cwd=project.root, env=rasa_environment(project), check=False, stdout=output, stderr=output
            )
    if completed.returncode != 0 or not target.exists():
        where = f"; see {log}" if log else ""
        raise TrainingFailed(f"rasa train nlu exited with {completed.returncode}{where}")
    return TrainOutcome(model=target, trained=True, seconds=time.perf_counter() - started)


def serve_command(project: Project, *, model: Path, port: int, host: str = "127.0.0.1") -> list[str]:
    return [
        str(project.rasa_bin), "run", "--enable-api",
        "--model", str(model),
        "--port", str(port),
        "--interface", host,
    ]  # fmt: skip
