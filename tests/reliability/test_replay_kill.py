"""The story replay on real ``tjwatch run`` processes, killed with SIGKILL (issue 22).

The two weeks of tests/support/story_replay.py on ``tjwatch run`` child processes in Telegram
mode against the emulator, with Slack (``chat.postMessage`` on the loopback receiver). Each
process is started by ``tests/support/tjwatch_at.py``, whose wall clock the test moves to each
day's noon (time-machine; nothing in the bot knows): the bot's own scheduler then polls, and the
chat takes instant digests, so the poll is followed by the day's digest and follow-ups. The bot
runs on from day to day, except that it is killed with SIGKILL twice:

* on day 2 mid-work: the day's digest was sent and its first follow-up (a reply) is in flight,
  never answered; a new process picks up the same day;
* on day 5 after the day's work, while it waits for the next poll; day 6 is a new process.

What the reader sees in Telegram and in Slack is exactly what the in-process replay on a fixed
clock without any restart shows, and the replay's checks hold: no story posted twice as a new
entry, every later report a reply (thread) to the story's message, new developments as entries.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from storage import open_store
from tests.reliability.support import BotProcess, child_env, query, wait_for
from tests.support import tjwatch_at
from tests.support.config import write_config
from tests.support.feed_server import FeedServer
from tests.support.replay_in_process import in_process_replay
from tests.support.slack_receiver import SlackReceiver
from tests.support.story_replay import (
    DAYS,
    FIRST_DAY,
    Outcome,
    Replay,
    Seen,
    delivered_reports,
    reader_figures,
    replay_rows,
    story_messages,
)
from tests.support.telegram_emulator import TelegramEmulator, TelegramUser

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

KILL_MID_WORK = 1  # 0-based: day 2, after its digest, while its first follow-up is in flight
KILL_IDLE = 4  # 0-based: day 5, after its work, while the bot waits for the next poll
DAY_TIMEOUT_S = 60


def day_done(db: Path, since: datetime) -> bool:
    """The day's poll finished and every relevant report reached both the Telegram chat and
    Slack (as an entry or in a follow-up)."""
    last = query(db, "SELECT value FROM state WHERE key = 'ops.last_cycle_finished_at'")
    if not last or datetime.fromisoformat(last[0][0]) < since:
        return False
    missing = query(
        db,
        "SELECT count(*) FROM verdicts v WHERE v.relevant = 1 AND (SELECT count(*)"
        " FROM deliveries d WHERE d.item_id = v.item_id AND d.status = 'sent') < 2",
    )
    return missing[0][0] == 0


def follow_up_in_flight(emulator: TelegramEmulator, token: str, chat_id: int, seq: int) -> bool:
    return any(
        "reply_parameters" in call["params"]
        for call in emulator.calls("sendMessage", token=token, chat_id=chat_id, since_seq=seq)
    )


def run_killed_replay(
    folder: Path, emulator: TelegramEmulator, token: str, feed_server: FeedServer
) -> tuple[Outcome, list[str]]:
    """The two weeks on ``tjwatch run`` processes; also what was seen at each kill."""
    folder.mkdir()
    replay = Replay(replay_rows())
    feeds = replay.serve(feed_server, folder.name)
    db = folder / "tjwatch.db"
    person: TelegramUser = emulator.user(token, first_name="Alice")
    chat_id = int(person.chat["id"])
    store = open_store(db)
    noon = FIRST_DAY + timedelta(hours=12)
    store.chats.ensure(chat_id, channel="telegram", kind="private", now=noon)
    store.chats.update(chat_id, noon, subscribed=True, frequency="instant", timezone="UTC")
    store.close()
    seen, kills = Seen(), []
    with SlackReceiver() as slack:
        config = write_config(folder, feeds)
        env = child_env(
            TELEGRAM_BOT_TOKEN=token,
            TELEGRAM_API_BASE_URL=emulator.api_root,
            PTB_TIMEDELTA="true",
            SLACK_BOT_TOKEN="xoxb-replay",
            SLACK_CHANNEL="C0REPLAY",
            SLACK_API_BASE_URL=slack.api_url,
        )

        clock = folder / "clock"

        def new_bot(at: datetime) -> BotProcess:
            tjwatch_at.set_clock(clock, at)
            args = ["--config", str(config), "run"]
            bot = BotProcess(args, env, folder / "bot.log", program=tjwatch_at.command(clock))
            bot.start()
            return bot

        bot: BotProcess | None = None
        processes = 0
        telegram_before = slack_before = 0
        for day in range(DAYS):
            replay.day = day
            at = noon + timedelta(days=day)
            if day == KILL_MID_WORK:
                # The day's first message (its digest) goes through; the next one (the first
                # follow-up) is held and never answered.
                emulator.delay_next("sendMessage", 0.001, chat_id=chat_id, token=token)
                emulator.fail_next(
                    "sendMessage", 500, times=-1, chat_id=chat_id, token=token, delay=60
                )
                seq = max((c["seq"] for c in emulator.calls(token=token)), default=0)
            started = time.monotonic()
            if bot is None:
                bot = new_bot(at)
                processes += 1
            else:
                tjwatch_at.set_clock(clock, at)  # the running bot's next day
            if day == KILL_MID_WORK:
                wait_for(
                    functools.partial(follow_up_in_flight, emulator, token, chat_id, seq),
                    DAY_TIMEOUT_S,
                    "the day's first follow-up",
                )
                bot.kill9()
                emulator.clear_faults(token=token)
                shown = person.bot_messages()[telegram_before:]
                pending = query(db, "SELECT count(*) FROM deliveries WHERE status = 'pending'")
                assert [("reply_to_message" in m.sent) for m in shown] == [False], shown
                assert pending[0][0] > 0
                kills.append(
                    f"day {day + 1}: killed after its digest, with its first follow-up in"
                    f" flight (reports pending: {pending[0][0]})"
                )
                # A new process, the clock going on from where the killed one was.
                bot = new_bot(at + timedelta(seconds=time.monotonic() - started))
                processes += 1
            done = functools.partial(day_done, db, at)
            wait_for(done, DAY_TIMEOUT_S, f"day {day + 1}'s deliveries")
            if day == KILL_IDLE:
                bot.kill9()
                bot = None
                kills.append(f"day {day + 1}: killed after its work, waiting for the next poll")
            messages = person.bot_messages()
            seen.days.append(messages[telegram_before:])
            telegram_before = len(messages)
            posts = slack.accepted("/api/chat.postMessage")
            seen.slack_days.append(posts[slack_before:])
            slack_before = len(posts)
        assert bot is not None and bot.stop() == 0, (folder / "bot.log").read_text()[-3000:]
        kills.append(f"{DAYS} days on {processes} processes")
    # A reader-side check can pass while the bot logs errors: none may be logged.
    log = (folder / "bot.log").read_text("utf-8")
    assert not [line for line in log.splitlines() if " ERROR " in line or "Traceback" in line]
    with contextlib.closing(sqlite3.connect(db)) as conn:
        delivered = delivered_reports(conn, chat_id)
        stories = story_messages(conn)
    return Outcome(seen, delivered, stories), kills


def test_replay_on_killed_processes_shows_the_reader_what_a_steady_run_does(
    tmp_path: Path,
    telegram_emulator: TelegramEmulator,
    bot_token: str,
    feed_server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    began = time.monotonic()
    killed, kills = run_killed_replay(
        tmp_path / "killed", telegram_emulator, bot_token, feed_server
    )
    took = time.monotonic() - began
    # The same two weeks in one process on a fixed clock, never stopped.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    steady = asyncio.run(
        in_process_replay(
            tmp_path / "steady", telegram_emulator, telegram_emulator.new_token(), feed_server, None
        )
    )
    assert killed.as_read() == steady.as_read()
    assert killed.slack_as_read() == steady.slack_as_read()
    figures = reader_figures(killed)
    print(f"\n{figures.line('tjwatch run killed with SIGKILL twice')}")
    print("\n".join(f"  {kill}" for kill in kills))
    print(f"  in {took:.1f} s")
