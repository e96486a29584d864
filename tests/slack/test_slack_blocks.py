"""Block Kit rendering: escaping, Slack's limits, splitting at entry boundaries (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.models import Digest, DigestEntry
from bot.render.slack_blocks import (
    BLOCKS_PER_MESSAGE,
    HEADER_TEXT_LIMIT,
    MESSAGE_TEXT_LIMIT,
    SECTION_TEXT_LIMIT,
    render_digest,
)
from bot.render.telegram_html import DigestLabels

AT = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)


def entry(n: int = 0, **changes: object) -> DigestEntry:
    values: dict[str, object] = dict(
        headline=f"Rahmon and Putin meet in Moscow #{n}",
        url=f"https://example.com/a/{n}",
        sources=("Asia-Plus",),
        timeline_at=AT,
        score=0.87,
        story=None,
        summary="Talks on migrants and energy.",
        item_ids=(f"id-{n}",),
    )
    values.update(changes)
    return DigestEntry(**values)  # type: ignore[arg-type]


def digest(*entries: DigestEntry) -> Digest:
    return Digest("tjwatch digest", entries, AT)


def texts(blocks: tuple[dict, ...]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(e["text"] for e in block.get("elements", ()))
    return out


def check_limits(message) -> None:  # type: ignore[no-untyped-def]
    assert 0 < len(message.blocks) <= BLOCKS_PER_MESSAGE
    assert message.text and len(message.text) <= MESSAGE_TEXT_LIMIT
    assert sum(len(t) for t in texts(message.blocks)) <= MESSAGE_TEXT_LIMIT
    for block in message.blocks:
        assert block["type"] in {"header", "section", "context", "divider"}
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text"
            assert len(block["text"]["text"]) <= HEADER_TEXT_LIMIT
        if block["type"] == "section":
            assert block["text"]["type"] == "mrkdwn"
            assert 0 < len(block["text"]["text"]) <= SECTION_TEXT_LIMIT
        if block["type"] == "context":
            assert 1 <= len(block["elements"]) <= 10
    json.dumps(message.payload())  # a payload is plain JSON


def test_entry_shows_link_source_time_relevance_tag_summary_and_more_sources() -> None:
    [message] = render_digest(
        digest(entry(sources=("Asia-Plus", "TASS", "RIA"), story="new_development"))
    )
    check_limits(message)
    assert [b["type"] for b in message.blocks] == ["header", "section", "context"]
    section, context = texts(message.blocks)[1:]
    assert section.startswith("*<https://example.com/a/0|Rahmon and Putin meet in Moscow #0>*")
    assert "Talks on migrants and energy." in section
    assert context.startswith("Asia-Plus · +2 more sources · <!date^")
    assert "|2026-11-23 06:30>" in context
    assert "relevance 0.87" in context and "new development" in context
    assert message.item_ids == ("id-0",)
    assert "Rahmon and Putin meet in Moscow #0" in message.text


def test_feed_strings_are_mrkdwn_escaped_and_pipes_cannot_break_links() -> None:
    hostile = entry(
        headline="<!channel> A & B | <https://evil.example|click>",
        url="https://example.com/?a=1&b=|<x>",
        sources=("<b>Src</b> & Co",),
        summary="1 < 2 > 0 & <@U123>",
    )
    [message] = render_digest(digest(hostile))
    check_limits(message)
    section, context = texts(message.blocks)[1:]
    assert section.startswith(
        "*<https://example.com/?a=1&amp;b=%7C%3Cx%3E|&lt;!channel&gt; A &amp; B ¦ "
        "&lt;https://evil.example¦click&gt;>*"
    )
    assert "1 &lt; 2 &gt; 0 &amp; &lt;@U123&gt;" in section
    assert context.startswith("&lt;b&gt;Src&lt;/b&gt; &amp; Co")
    # No raw control characters from the feed survive anywhere, fallback text included.
    for text in [section, context, message.text]:
        assert "<!channel>" not in text and "<@U123>" not in text


def test_not_http_links_are_shown_as_text() -> None:
    [message] = render_digest(digest(entry(url="javascript:alert(1)")))
    assert texts(message.blocks)[1].startswith("*Rahmon and Putin meet in Moscow #0*")


def test_long_digest_splits_at_entry_boundaries_under_fifty_blocks() -> None:
    entries = [entry(n) for n in range(60)]
    messages = render_digest(digest(*entries))
    assert len(messages) == 4  # 16 entries fit beside a header (1 + 16 * 3 - 1 = 48 blocks)
    for n, message in enumerate(messages, 1):
        check_limits(message)
        assert f"part {n}/4" in message.blocks[0]["text"]["text"]
    carried = [i for m in messages for i in m.item_ids]
    assert carried == [f"id-{n}" for n in range(60)]  # every item once, in order


def test_huge_entries_stay_under_section_and_message_text_limits() -> None:
    big = entry(
        headline="Ж" * 10_000,
        summary="слово " * 5_000,
        sources=("S" * 5_000,),
        url="https://example.com/" + "x" * 5_000,
    )
    messages = render_digest(digest(*[big] * 30))
    for message in messages:
        check_limits(message)
    assert sum(len(m.item_ids) for m in messages) == 30


def test_empty_digest_says_so_in_the_chat_language() -> None:
    labels = DigestLabels(title="Дайджест tjwatch", empty="С прошлого дайджеста ничего нового.")
    [message] = render_digest(digest(), labels)
    check_limits(message)
    assert message.blocks[0]["text"]["text"] == "Дайджест tjwatch"
    assert "ничего нового" in message.text
    assert message.item_ids == ()


def test_follow_up_and_updates_section_are_escaped_and_name_their_story() -> None:
    from bot.models import FollowUp, Report
    from bot.render.slack_blocks import render_digest as render_slack
    from bot.render.slack_blocks import render_follow_up

    at = datetime(2025, 3, 18, 6, 0, tzinfo=UTC)
    follow_up = FollowUp(
        9,
        "1700000000.000001",
        (
            Report("A <b>|talk</b> & more", "https://x.org/a", "TASS & Co", "ru", at),
            Report("Undated", None, "Ozodi", "tg", at, dated=False),
        ),
        ("a", "b"),
        whats_new="<new> deal",
    )
    message = render_follow_up(follow_up)
    section = message.blocks[0]["text"]["text"]
    assert section.startswith("*🔄 Update to story 9* · /story 9")
    assert "<https://x.org/a|A &lt;b&gt;¦talk&lt;/b&gt; &amp; more> — TASS &amp; Co · ru" in section
    assert "Ozodi · tg · first seen <!date^" in section and "&lt;new&gt; deal" in section
    assert message.item_ids == ("a", "b")
    digest = Digest("tjwatch digest", (), at, updates=(follow_up,))
    [updates] = render_slack(digest)
    assert updates.item_ids == ("a", "b")
    assert json.dumps(updates.blocks, ensure_ascii=False).count("/story 9") == 1
    assert updates.blocks[0]["text"]["text"] == "Updates to stories you have seen"
