"""`carebot occasions list|generate|edit` on a database that only ran `db upgrade`: generated once, edits
kept by a later generate, mistakes reported in one line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from actions.festivals import FESTIVALS
from carebot.cli import app
from storage import migrate


@pytest.fixture
def cli(cli_database_url: str) -> CliRunner:
    migrate.upgrade(cli_database_url)
    return CliRunner()


def _listed(cli: CliRunner, *options: str) -> list[dict[str, object]]:
    result = cli.invoke(app, ["occasions", "list", "--json", *options])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_generate_list_and_edit(cli: CliRunner) -> None:
    empty = cli.invoke(app, ["occasions", "list", "--year", "2027"])
    assert empty.exit_code == 0 and empty.stdout.startswith("no occasions for 2027 yet: carebot occasions generate")

    generated = cli.invoke(app, ["occasions", "generate", "--years", "2027-2030"])
    assert generated.exit_code == 0, generated.output
    assert generated.stdout.strip() == f"added {4 * len(FESTIVALS)} occasions for 2027-2030"

    table = cli.invoke(app, ["occasions", "list", "--year", "2027"]).stdout.splitlines()
    assert len(table) == len(FESTIVALS)
    assert table[0].split()[:6] == ["2027", "new_year", "2027-01-01", "09:00", "all", "on"]
    assert "2027  mid_autumn       2027-09-15  09:00  zh   on   中秋节 / Mid-Autumn Festival" in table
    assert {(row["code"], row["date"]) for row in _listed(cli, "--year", "2028")} >= {
        ("spring_festival", "2028-01-26"),
        ("mid_autumn", "2028-10-03"),
        ("dragon_boat", "2028-05-28"),
    }

    edited = cli.invoke(
        app,
        ["occasions", "edit", "mid_autumn", "2027", "--date", "2027-09-14", "--hour", "10",
         "--text-en", "Happy Mid-Autumn, {name}! You have {points} points.", "--audience", "all"],
    )  # fmt: skip
    assert edited.exit_code == 0, edited.output
    assert edited.stdout.startswith("saved 2027  mid_autumn       2027-09-14  10:00  all  on")
    late = cli.invoke(app, ["occasions", "edit", "qixi", "2027", "--hour", "22"])
    assert late.exit_code == 0 and "note: 22:00 is within quiet hours (21-9): greetings wait until 09:00" in late.stdout
    off = cli.invoke(app, ["occasions", "edit", "christmas", "2027", "--off"])
    assert off.exit_code == 0 and "christmas" in off.stdout and "  off  " in off.stdout

    again = cli.invoke(app, ["occasions", "generate", "--years", "2027-2031"])
    assert again.stdout.strip() == f"added {len(FESTIVALS)} occasions for 2027-2031"
    rows = {row["code"]: row for row in _listed(cli, "--year", "2027")}
    assert (rows["mid_autumn"]["date"], rows["mid_autumn"]["send_hour"]) == ("2027-09-14", 10)
    assert rows["mid_autumn"]["text_en"] == "Happy Mid-Autumn, {name}! You have {points} points."
    assert rows["christmas"]["active"] is False
    assert len(_listed(cli)) == 5 * len(FESTIVALS)
    assert cli.invoke(app, ["occasions", "generate", "--years", "2029"]).stdout.strip() == (
        "added 0 occasions for 2029 (all there already, edits kept)"
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["edit", "halloween", "2027", "--off"], "error: no occasion 'halloween' in 2027"),
        (["edit", "mid_autumn", "2027", "--date", "2028-01-01"], "error: the 2027 occasion must fall in 2027"),
        (["edit", "mid_autumn", "2027", "--hour", "25"], "error: the send hour is a local hour from 0 to 23, not 25"),
        (["edit", "mid_autumn", "2027", "--text-zh", "{name}{coupon}"], "error: the zh text: unknown placeholder"),
        (["edit", "christmas", "2027", "--text-en", ""], "error: the en text may not be empty"),
        (["generate", "--years", "2150"], "error: festival dates are known for 1900-2099, not 2150"),
    ],
)
def test_mistakes_are_one_line_and_change_nothing(cli: CliRunner, arguments: list[str], message: str) -> None:
    result = cli.invoke(app, ["occasions", *arguments])
    assert result.exit_code == 1 and result.stderr.splitlines()[-1].startswith(message), result.output
    assert "Traceback" not in result.output
    assert _listed(cli) == []  # an edit of a year never generated would have added it: rolled back too


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["edit", "mid_autumn", "2027", "--date", "15.09.2027"], "expected a date like 2027-09-15"),
        (["generate", "--years", "2030-2027"], "'2030-2027' ends before it starts"),
        (["generate", "--years", "next"], "expected a year or FIRST-LAST"),
    ],
)
def test_malformed_options_are_usage_errors(cli: CliRunner, arguments: list[str], message: str) -> None:
    result = cli.invoke(app, ["occasions", *arguments])
    assert result.exit_code == 2 and message in result.output.replace("\n", " ")
