"""Abstractive summaries through a loopback chat-completions server; extractive on any failure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.digest.extractive import Document
from bot.digest.llm import LlmClient
from bot.digest.period import Period, parse_period
from bot.digest.summary import TOP_STORIES, Summary, summarize
from bot.digest.themes import matcher_for
from bot.services import Services
from bot.settings import load_settings
from tests.digest.conftest import NOW
from tests.support.config import write_config
from tests.support.llm_server import LlmServer
from tests.support.summary_data import fill_week

pytestmark = pytest.mark.asyncio

DOCS = [
    Document(
        "Putin, Rahmon to meet for talks in Moscow on Monday",
        "Putin and Rahmon will hold talks in the Kremlin on Monday. They will discuss "
        "trade, energy and migration.",
        "en",
    )
]


@pytest.fixture
def llm() -> Iterator[LlmServer]:
    with LlmServer() as server:
        yield server


async def test_the_endpoint_writes_the_summary(llm: LlmServer) -> None:
    client = LlmClient(llm.base_url, model="small", api_key="k-123", timeout_s=5)
    text = await client.summarize("Putin, Rahmon to meet", DOCS, lang="ru")
    assert text == llm.answer
    [request] = llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer k-123"
    body = request["json"]
    assert body["model"] == "small"
    assert "in Russian" in body["messages"][0]["content"]
    quoted = "Putin and Rahmon will hold talks in the Kremlin on Monday."
    assert quoted in body["messages"][1]["content"]


@pytest.mark.parametrize("mode", ["slow", "error", "garbage"])
async def test_any_failure_gives_none(
    llm: LlmServer, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    llm.mode = mode
    client = LlmClient(llm.base_url, api_key="k-secret", timeout_s=0.5)
    assert await client.summarize("Putin, Rahmon to meet", DOCS) is None
    assert "k-secret" not in caplog.text and llm.base_url not in caplog.text


async def test_nothing_listening_gives_none() -> None:
    client = LlmClient("http://127.0.0.1:9/v1", timeout_s=0.5)
    assert await client.summarize("x", DOCS) is None


def _services(tmp_path: Path, env: dict[str, str]) -> Services:
    settings = load_settings(write_config(tmp_path, {}), env, dotenv=False)
    return Services.build(settings, clock=FixedClock(NOW))


async def _summarize(
    svc: Services, period: Period, *, limit: int = TOP_STORIES, llm: LlmClient | None = None
) -> Summary:
    """``summarize`` as the bots call it: the client the settings configure, unless given one."""
    return await summarize(
        svc.store,
        period,
        matcher=matcher_for(svc.settings),
        llm=llm or LlmClient.from_settings(svc.settings),
        now=svc.clock.now(),
        limit=limit,
    )


async def test_summary_uses_the_endpoint_when_configured(tmp_path: Path, llm: LlmServer) -> None:
    async with _services(tmp_path, {"LLM_BASE_URL": llm.base_url, "LLM_MODEL": "small"}) as svc:
        fill_week(svc.store, NOW)
        period = parse_period("7d", NOW)
        assert isinstance(period, Period)
        summary = await _summarize(svc, period, limit=3)
    assert [s.abstractive for s in summary.stories] == [True, True, True]
    assert all(s.summary == llm.answer for s in summary.stories)
    assert len(llm.requests) == 3


async def test_a_timeout_keeps_the_extractive_summary(tmp_path: Path, llm: LlmServer) -> None:
    llm.mode = "slow"
    async with _services(tmp_path, {"LLM_BASE_URL": llm.base_url}) as svc:
        fill_week(svc.store, NOW)
        period = parse_period("7d", NOW)
        assert isinstance(period, Period)
        fast = LlmClient(llm.base_url, timeout_s=0.5)
        summary = await _summarize(svc, period, limit=2, llm=fast)
    assert [s.abstractive for s in summary.stories] == [False, False]
    assert "Путин, Лукашенко и Рахмон" in summary.stories[0].summary


async def test_off_by_default(tmp_path: Path) -> None:
    async with _services(tmp_path, {}) as svc:
        fill_week(svc.store, NOW)
        assert LlmClient.from_settings(svc.settings) is None
        period = parse_period("7d", NOW)
        assert isinstance(period, Period)
        summary = await _summarize(svc, period)
    assert summary.stories and not any(s.abstractive for s in summary.stories)
