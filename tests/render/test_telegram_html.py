"""Digest → Telegram HTML: escaping, the 4,096 split at entry boundaries, buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.models import Digest, DigestEntry, FollowUp, Report
from bot.render.telegram_html import (
    MESSAGE_LIMIT,
    DigestLabels,
    feedback_data,
    parse_feedback_data,
    render_digest,
    render_follow_up,
    render_items,
    utf16_len,
)
from bot.texts import digest_labels
from tests.support.telegram_html_check import assert_telegram_html, html_problems

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def entry(n: int, **kw: object) -> DigestEntry:
    values: dict[str, object] = {
        "headline": f"Headline {n}",
        "url": f"https://example.org/{n}",
        "sources": ("Source A",),
        "timeline_at": NOW,
        "score": 0.9,
        "story": None,
        "summary": f"Summary {n}.",
        "item_ids": (f"item{n:04d}",),
    }
    values.update(kw)
    return DigestEntry(**values)  # type: ignore[arg-type]


def test_feed_strings_are_escaped_and_markup_is_valid() -> None:
    hostile = entry(
        1,
        headline="Russia & Tajikistan <script>alert(1)</script> sign",
        url='https://x.org/?a=1&b="2"',
        sources=("A&B <News>",),
        summary="5 < 6 & <b>bold</b>",
    )
    [message] = render_digest(Digest("t", (hostile,), NOW))
    assert "<script>" not in message.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.text
    assert "Russia &amp; Tajikistan" in message.text
    assert "A&amp;B &lt;News&gt;" in message.text
    assert "5 &lt; 6 &amp; &lt;b&gt;bold&lt;/b&gt;" in message.text
    assert 'href="https://x.org/?a=1&amp;b=&quot;2&quot;"' in message.text
    assert_telegram_html(message.text)


def test_non_http_links_are_not_linked() -> None:
    [message] = render_digest(Digest("t", (entry(1, url="javascript:alert(1)"),), NOW))
    assert "javascript" not in message.text
    assert "<a " not in message.text
    assert_telegram_html(message.text)


def test_entry_shows_sources_time_relevance_tag_and_summary() -> None:
    e = entry(1, sources=("TASS", "RIA", "Asia-Plus"), story="new_development", score=0.87)
    [message] = render_digest(Digest("t", (e,), NOW), tz_name="Asia/Dushanbe")
    assert "TASS" in message.text
    assert "+2 more sources" in message.text
    assert "01.03.2026 17:00" in message.text  # Dushanbe is UTC+5
    assert "relevance 0.87" in message.text
    assert "<b>new development</b>" in message.text
    assert "Summary 1." in message.text


def test_russian_labels() -> None:
    labels = DigestLabels(title="Дайджест", relevance="релевантность", same_story="тот же сюжет")
    [message] = render_digest(Digest("t", (entry(1, story="same_story"),), NOW), labels)
    assert "Дайджест" in message.text and "тот же сюжет" in message.text


def test_an_entry_without_a_source_says_so_in_the_readers_language() -> None:
    lone = Digest("t", (entry(1, sources=()),), NOW)
    [ru] = render_digest(lone, digest_labels("ru"))
    assert "<i>источник неизвестен</i>" in ru.text
    [en] = render_digest(lone)
    assert "<i>unknown source</i>" in en.text


def test_long_digest_splits_at_entry_boundaries_under_the_limit() -> None:
    entries = tuple(
        entry(n, summary="word " * 70, headline=f"Headline {n} " + "x" * 150) for n in range(1, 41)
    )
    messages = render_digest(Digest("t", entries, NOW))
    assert len(messages) > 1
    for message in messages:
        assert utf16_len(message.text) < MESSAGE_LIMIT
        assert_telegram_html(message.text)
        assert len(message.keyboard) == len(message.item_ids)
    sent_ids = [i for m in messages for i in m.item_ids]
    assert sent_ids == [f"item{n:04d}" for n in range(1, 41)]  # every entry once, in order
    assert "part 2/" in messages[1].text
    # Entry numbers continue across messages.
    assert f"{len(messages[0].item_ids) + 1}. " in messages[1].text


def test_emoji_heavy_text_counts_utf16_units() -> None:
    entries = tuple(entry(n, summary="🇷🇺🇹🇯" * 90) for n in range(1, 30))
    for message in render_digest(Digest("t", entries, NOW)):
        assert utf16_len(message.text) < MESSAGE_LIMIT


def test_huge_single_entry_is_clipped_not_split() -> None:
    huge = entry(1, headline="h" * 10_000, summary="s" * 10_000)
    [message] = render_digest(Digest("t", (huge,), NOW))
    assert utf16_len(message.text) < MESSAGE_LIMIT
    assert_telegram_html(message.text)


def test_every_entry_has_feedback_buttons() -> None:
    messages = render_digest(Digest("t", (entry(1), entry(2)), NOW))
    [row1, row2] = messages[0].keyboard
    assert [b.data for b in row1] == [feedback_data(1, "item0001"), feedback_data(-1, "item0001")]
    assert row2[0].text.startswith("2 ")
    for row in messages[0].keyboard:
        for button in row:
            assert len(button.data.encode()) <= 64
            assert parse_feedback_data(button.data) is not None


def test_feedback_data_round_trip_and_garbage() -> None:
    assert parse_feedback_data(feedback_data(-1, "abc")) == (-1, "abc")
    assert parse_feedback_data("fb:?:abc") is None
    assert parse_feedback_data("settings:freq") is None


def test_empty_digest_says_so() -> None:
    [message] = render_digest(Digest("t", (), NOW))
    assert message.text == "Nothing new since your last digest."
    assert message.item_ids == ()


def test_render_items_splits_lines() -> None:
    lines = [f"line {n} " + "y" * 500 for n in range(30)]
    parts = render_items(lines, "<b>head</b>")
    assert len(parts) > 1
    assert all(utf16_len(p) <= MESSAGE_LIMIT for p in parts)
    assert sum(p.count("line ") for p in parts) == 30


def test_checker_catches_what_telegram_rejects() -> None:
    assert html_problems("<b>x") and html_problems("a & b") and html_problems("<script>x</script>")
    assert html_problems("1 < 2") and not html_problems("<b>a</b> &amp; <i>b</i>")


def test_follow_up_escapes_feed_strings_and_names_its_story() -> None:
    at = datetime(2025, 3, 18, 6, 0, tzinfo=UTC)
    follow_up = FollowUp(
        story_id=7,
        reply_to="42",
        reports=(
            Report("<b>Talks</b> & more", "https://x.org/a?b=1&c=2", "TASS <ru>", "ru", at),
            Report("Undated", None, "Ozodi", "tg", at, dated=False),
        ),
        item_ids=("a", "b"),
        whats_new="A <new> deal",
    )
    message = render_follow_up(follow_up)
    assert "Update to story 7</b> · /story_7" in message.text
    assert "&lt;b&gt;Talks&lt;/b&gt; &amp; more" in message.text
    assert "<i>TASS &lt;ru&gt;</i> · ru · 18.03.2025 06:00" in message.text
    assert "Ozodi</i> · tg · first seen 18.03.2025 06:00" in message.text
    assert "A &lt;new&gt; deal" in message.text and message.item_ids == ("a", "b")
    assert_telegram_html(message.text)


def _update(n: int) -> FollowUp:
    at = datetime(2025, 3, 18, 6, 0, tzinfo=UTC)
    reports = tuple(
        Report(f"Report {n}.{k} <{'x' * 250}>", f"https://x.org/{n}/{k}", "Src & Co", "ru", at)
        for k in range(3)
    )
    return FollowUp(n, str(n), reports, tuple(f"i{n}.{k}" for k in range(3)))


def test_many_updates_split_at_story_lines_and_every_item_is_carried() -> None:
    updates = tuple(_update(n) for n in range(1, 61))
    digest = Digest("tjwatch digest", (), datetime(2025, 3, 18, tzinfo=UTC), updates=updates)
    messages = render_digest(digest)
    assert len(messages) > 1
    for message in messages:
        assert utf16_len(message.text) <= MESSAGE_LIMIT
        assert_telegram_html(message.text)
    text = "".join(m.text for m in messages)
    assert text.count("Updates to stories you have seen") == 1
    assert messages[0].text.startswith("<b>tjwatch digest</b> · <i>part 1/")
    assert all(f"• /story_{n} " in text for n in range(1, 61))
    assert "+2 more reports" in text and "Src &amp; Co" in text
    carried = [i for m in messages for i in m.item_ids]
    assert sorted(carried) == sorted(i for u in updates for i in u.item_ids)
