"""`crbot calendar`: a team's public holidays, its term calendar and its days to post anyway,
from the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.settings import Settings
from crbot import calendar_cli
from crbot.__main__ import _parser
from tests.term_calendars import term_calendar


async def test_an_operator_sets_a_teams_holidays_and_imports_its_term_calendar(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        pseudonym_secret="test-pseudonym-secret-0123456789",
    )
    dates = tmp_path / "term-dates.ics"
    dates.write_bytes(
        term_calendar(
            ("Winter break", date(2027, 12, 20), date(2027, 12, 31)),
            ("Spring term", date(2028, 1, 3), date(2028, 3, 24)),
        )
    )

    async def crbot(*words: str) -> int:
        return await calendar_cli.run(settings, _parser().parse_args(["calendar", *words]))

    assert await crbot("holidays", "ward", "GB", "Kent") == 2
    assert "the state or province: 'Kent' is not a state" in capsys.readouterr().err
    assert await crbot("holidays", "ward", "gb", "sct") == 0
    assert "shell:ward: public holidays of GB (SCT)." in capsys.readouterr().out
    assert await crbot("import", "ward", str(dates)) == 0
    shown = capsys.readouterr().out
    assert "shell:ward: 1 break, 12 days kept off." in shown
    assert "Not breaks, so left out: Spring term." in shown
    assert "  2027-12-20 to 2027-12-31 Winter break" in shown
    assert await crbot("post-anyway", "ward", "2027-12-20") == 0
    assert "Post anyway on: 2027-12-20" in capsys.readouterr().out
    assert await crbot("avoid-again", "ward", "30 Dec") == 2
    assert "'30 Dec' is not a date" in capsys.readouterr().err
