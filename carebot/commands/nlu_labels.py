"""`carebot nlu labels export`: the turns staff labelled in the console, as Rasa training data.

Written to `nlu/data/<zh|en>/labelled.yml` (or under `--out`), personal data masked, without texts already in
the training, dev or held-out sets, so the next `carebot nlu train` learns from real customers and
`carebot nlu eval` shows the effect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from actions.intent_labels import LabelledExample, labelled_examples, rasa_yaml
from carebot.commands.nlu import nlu_app
from carebot.context import command_session, run, settings_of
from nlu.training_data import LABELLED_FILE, example_files, read_examples
from runtime.settings import PROJECT_ROOT

labels_app = typer.Typer(help="Intent labels set by staff in the console.", no_args_is_help=True)


@labels_app.command("export")
def export_command(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", help="folder for zh/ and en/ (default: nlu/data)")] = None,
) -> None:
    """Write the labelled turns as Rasa NLU data, one file per language (replacing the last export)."""
    settings = settings_of(ctx)
    target = out or PROJECT_ROOT / "nlu" / "data"
    # The previous export is replaced, so its lines do not count as already known.
    known_files = [path for path in example_files(PROJECT_ROOT) if path.name != LABELLED_FILE]
    known = [text for texts in read_examples(known_files).values() for text in texts]

    async def body() -> list[LabelledExample]:
        async with command_session(settings) as session:
            return await labelled_examples(session=session, exclude=known)

    examples = run(body())
    for language in ("zh", "en"):
        chosen = [example for example in examples if example.language == language]
        path = target / language / LABELLED_FILE
        if not chosen:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rasa_yaml(chosen), encoding="utf-8")
        typer.echo(f"wrote {len(chosen)} {language} examples to {path}")
    if not examples:
        typer.echo("no new labelled turns to export (label turns in the console: /labels)")


def register(app: typer.Typer) -> None:
    nlu_app.add_typer(labels_app, name="labels")
