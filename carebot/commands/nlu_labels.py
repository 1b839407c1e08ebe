"""`carebot nlu labels export`: the turns staff labelled in the console, as Rasa training data.

Written to `nlu/data/<zh|en>/labelled.yml` (or under `--out`), personal data masked, without texts already in
the training, dev or held-out sets, so the next `carebot nlu train` learns from real customers and
`carebot nlu eval` shows the effect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from actions.intent_labels import labelled_examples, rasa_yaml
from carebot.commands.nlu import nlu_app
from carebot.context import run, settings_of
from nlu.training_data import LABELLED_FILE, example_files, read_examples
from runtime.services import open_services
from runtime.settings import PROJECT_ROOT
from storage.engine import SessionFactory

labels_app = typer.Typer(help="Intent labels set by staff in the console.", no_args_is_help=True)


@labels_app.command("export")
def export_command(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", help="folder for zh/ and en/ (default: nlu/data)")] = None,
) -> None:
    """Write the labelled turns as Rasa NLU data, one file per language (replacing the last export)."""
    settings = settings_of(ctx)

    async def body() -> dict[Path, int]:
        async with open_services(settings) as services:
            return await export_labels(services.session_factory, root=PROJECT_ROOT, out=out)

    written = run(body())
    for path, count in written.items():
        typer.echo(f"wrote {count} {path.parent.name} examples to {path}")
    if not written:
        typer.echo("no new labelled turns to export (label turns in the console: /labels)")


async def export_labels(session_factory: SessionFactory, *, root: Path, out: Path | None = None) -> dict[Path, int]:
    """Write `<out>/<zh|en>/labelled.yml` (default out: nlu/data under `root`); the files written and their
    example counts. A language without examples has its old file removed."""
    target = out or root / "nlu" / "data"
    # The previous export is replaced, so its lines do not count as already known.
    known_files = [path for path in example_files(root) if path.name != LABELLED_FILE]
    known = [text for texts in read_examples(known_files).values() for text in texts]
    async with session_factory() as session:
        examples = await labelled_examples(session=session, exclude=known)
    written: dict[Path, int] = {}
    for language in ("zh", "en"):
        chosen = [example for example in examples if example.language == language]
        path = target / language / LABELLED_FILE
        if not chosen:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rasa_yaml(chosen), encoding="utf-8")
        written[path] = len(chosen)
    return written


def register(app: typer.Typer) -> None:
    nlu_app.add_typer(labels_app, name="labels")
