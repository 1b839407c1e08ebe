"""`carebot nlu ...`: generate entity data, train, serve, parse and evaluate the Rasa NLU model."""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from runtime.settings import PROJECT_ROOT, Settings

if TYPE_CHECKING:
    from nlu.client import NluResult
    from nlu.training import Project

nlu_app = typer.Typer(help="The Rasa NLU model: train, serve, parse, evaluate.", no_args_is_help=True)

EVAL_SUFFIXES = {".yml", ".yaml", ".tsv", ".txt"}
EVAL_FORMATS = "expected Rasa NLU YAML (.yml, .yaml) or intent<TAB>text[<TAB>kind] lines (.tsv, .txt)"


def register(app: typer.Typer) -> None:
    app.add_typer(nlu_app, name="nlu")


def _project() -> Project:
    from nlu.training import Project

    return Project(PROJECT_ROOT)


@nlu_app.command("lookup")
def lookup() -> None:
    """Regenerate nlu/data/entities.yml and faq_responses.yml from the demo catalogue."""
    from nlu.generated import write_generated

    project = _project()
    written = write_generated(project.catalogue, project.data_dir)
    for path in written:
        typer.echo(f"wrote {path.relative_to(project.root)}")
    if not written:
        typer.echo("generated NLU data is up to date")


@nlu_app.command("train")
def train(force: bool = typer.Option(False, "--force", help="Train even if data and config are unchanged.")) -> None:
    """Train the model into models/ (skipped when data, config and components are unchanged)."""
    from nlu.training import TrainingFailed
    from nlu.training import train as train_model

    project = _project()
    try:
        outcome = train_model(project, force=force)
    except TrainingFailed as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    relative = outcome.model.relative_to(project.root)
    if outcome.trained:
        typer.echo(f"trained {relative} in {outcome.seconds:.1f} s")
    else:
        typer.echo(f"model is up to date: {relative}")


@nlu_app.command("serve")
def serve(
    ctx: typer.Context,
    port: int = typer.Option(None, "--port", help="Port (default: NLU_PORT)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
) -> None:
    """Run the Rasa HTTP server (`rasa run --enable-api`) with the current model."""
    from carebot.cli import settings_of
    from nlu.training import NoModel, current_model, rasa_environment, serve_command

    project = _project()
    try:
        model = current_model(project)
    except NoModel:
        typer.echo("error: no trained model under models/; run `carebot nlu train`", err=True)
        raise typer.Exit(1) from None
    command = serve_command(project, model=model, port=port or settings_of(ctx).nlu.nlu_port, host=host)
    os.chdir(project.root)
    os.execve(command[0], command, rasa_environment(project))


@nlu_app.command("parse")
def parse(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="The utterance to classify."),
    server: bool = typer.Option(False, "--server", help="Ask the running server (NLU_URL) through the client."),
) -> None:
    """Classify one utterance: in-process with the current model, or through the client with --server."""
    if server:
        from carebot.cli import settings_of

        result = asyncio.run(_parse_with_client(settings_of(ctx), text))
        typer.echo(json.dumps(asdict(result), ensure_ascii=False, indent=2))
        return
    from nlu.evaluation import DataError, parse_in_process
    from nlu.training import NoModel, current_model

    project = _project()
    try:
        parsed = parse_in_process(project, current_model(project), [text])
    except (NoModel, DataError) as error:
        typer.echo(f"error: {error or 'no trained model; run `carebot nlu train`'}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(parsed[0], ensure_ascii=False, indent=2))


async def _parse_with_client(settings: Settings, text: str) -> NluResult:
    from nlu.client import NluClient

    nlu = settings.nlu
    async with NluClient(
        base_url=nlu.nlu_url, timeout=nlu.nlu_timeout_seconds, threshold=nlu.nlu_confidence_threshold
    ) as client:
        return await client.parse(text)


@nlu_app.command("eval")
def evaluate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Rasa NLU YAML or intent<TAB>text[<TAB>kind] TSV (default: nlu/tests/)."),
    ] = None,
    train_first: Annotated[bool, typer.Option("--train/--no-train", help="Train first if the model is stale.")] = True,
    model_file: Annotated[
        Path | None, typer.Option("--model", help="Score this model file instead (e.g. an older one); no training.")
    ] = None,
) -> None:
    """Score the model on held-out utterances; the last line printed is the JSON summary.

    A TSV with a third column `kind` also gets accuracy and out-of-scope recall per kind.
    """
    from nlu.evaluation import (
        DataError,
        parse_in_process,
        per_kind_table,
        read_examples,
        score,
        to_prediction,
        write_report,
    )
    from nlu.training import NoModel, TrainingFailed, current_model
    from nlu.training import train as train_model

    project = _project()
    paths = list(files) if files else sorted(project.tests_dir.glob("*.yml"))
    for path in paths:  # before training: a wrong file is one line, not a Rasa traceback minutes later
        if path.suffix.lower() not in EVAL_SUFFIXES:
            typer.echo(f"error: {path}: {path.suffix or 'no'} file type; {EVAL_FORMATS}", err=True)
            raise typer.Exit(2)
        if not path.is_file():
            typer.echo(f"error: {path}: no such file; {EVAL_FORMATS}", err=True)
            raise typer.Exit(2)
    if model_file is not None and not model_file.is_file():
        typer.echo(f"error: {model_file}: no such model file", err=True)
        raise typer.Exit(2)
    try:
        if model_file is not None:
            model = model_file.resolve()
        elif train_first:
            log = project.results_dir / "nlu_train.log"
            outcome = train_model(project, log=log)
            if outcome.trained:
                typer.echo(
                    f"trained {outcome.model.name} in {outcome.seconds:.1f} s (log: {log.relative_to(project.root)})"
                )
            model = outcome.model
        else:
            model = current_model(project)
        examples = read_examples(project, paths)
        parsed = parse_in_process(project, model, [e.text for e in examples])
    except (DataError, NoModel, TrainingFailed) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    predictions = [to_prediction(e, p) for e, p in zip(examples, parsed, strict=True)]
    scores = score(predictions)
    report = write_report(scores, predictions, project.results_dir)
    typer.echo((project.results_dir / "nlu_confusion.txt").read_text(encoding="utf-8").rstrip("\n").rsplit("\n", 1)[0])
    kinds = per_kind_table(scores)
    if kinds:
        typer.echo(kinds.rstrip("\n"))
    typer.echo(f"model {_shown(project, model)}; report {_shown(project, report)}")
    if scores.faq_topic_accuracy is not None:
        typer.echo(f"faq topic accuracy {scores.faq_topic_accuracy:.4f}")
    typer.echo(json.dumps(scores.summary()))


def _shown(project: Project, path: Path) -> Path:
    """A path relative to the checkout when it is inside it."""
    return path.relative_to(project.root) if path.is_relative_to(project.root) else path
