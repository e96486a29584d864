"""Stories over time, end to end (issue 22): two weeks of real labelled reports replayed day by day.

The replay (tests/support/story_replay.py) runs here on the bot's services in the test's own
process, on a fixed clock: each day the real pipeline polls, scores and groups the day's reports
at noon, and the evening digest goes to a Telegram emulator chat and to a Slack receiver. The
services are closed and built afresh on the same database between two days (nothing in memory
survives), and the reader sees exactly what a run without that sees. ``-s`` prints the figures
and what the reader saw on the first days. ``tests/reliability/test_replay_kill.py`` replays the
same days on ``tjwatch run`` processes and kills one with SIGKILL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.feed_server import FeedServer
from tests.support.replay_in_process import in_process_replay
from tests.support.story_replay import print_first_days, reader_figures
from tests.support.telegram_emulator import TelegramEmulator

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]

RESTART_BEFORE_DAY = 2  # 0-based: the bot is stopped after day 2 and started afresh for day 3


async def test_two_weeks_of_reports_follow_up_instead_of_repeating(
    tmp_path: Path,
    telegram_emulator: TelegramEmulator,
    bot_token: str,
    feed_server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    outcome = await in_process_replay(
        tmp_path / "restarted", telegram_emulator, bot_token, feed_server, RESTART_BEFORE_DAY
    )
    # The same two weeks without the restart: the reader sees exactly the same.
    steady = await in_process_replay(
        tmp_path / "steady", telegram_emulator, telegram_emulator.new_token(), feed_server, None
    )
    assert outcome.as_read() == steady.as_read()
    assert outcome.slack_as_read() == steady.slack_as_read()
    figures = reader_figures(outcome)
    restart = f"bot restarted between day {RESTART_BEFORE_DAY} and day {RESTART_BEFORE_DAY + 1}"
    print("\n" + figures.line(restart))
    print_first_days(outcome.seen)
