"""The line under a headline and the "what is new" line: never the headline again."""

from __future__ import annotations

from bot.digest.lines import summary_line, whats_new_line

HEADLINE = "Putin, Rahmon to meet for talks in Moscow on Monday"


def test_a_summary_that_starts_with_the_headline_shows_what_follows() -> None:
    text = f"{HEADLINE}. The leaders will discuss trade. Documents will be signed."
    assert (
        summary_line(text, HEADLINE) == "The leaders will discuss trade. Documents will be signed."
    )
    assert summary_line(f"{HEADLINE} — TASS reports that talks begin", HEADLINE) == (
        "TASS reports that talks begin"
    )


def test_a_summary_that_only_repeats_the_headline_shows_nothing() -> None:
    assert summary_line(HEADLINE.upper() + " ", HEADLINE) == ""
    assert summary_line("«Путин: в Душанбе откроют театр»", "Путин: в Душанбе откроют театр") == ""


def test_a_summary_of_its_own_is_kept_and_cut_at_a_sentence() -> None:
    text = "Talks began. " + "Long sentence " * 30 + "end."
    assert summary_line(text, HEADLINE) == "Talks began."
    assert summary_line("Rahmon arrived in Moscow.", HEADLINE) == "Rahmon arrived in Moscow."


def test_what_is_new_is_dropped_when_it_repeats_a_text_shown_beside_it() -> None:
    lede = "Rahmon arrived in Moscow on Saturday. Talks are on Monday."
    assert whats_new_line(HEADLINE + ".", HEADLINE, lede) is None
    assert whats_new_line("Talks are on Monday", HEADLINE, lede) is None
    assert whats_new_line("Rahmon arrived in Mosc…", HEADLINE, lede) is None
    assert whats_new_line("Six documents were signed.", HEADLINE, lede) == (
        "Six documents were signed."
    )
    assert whats_new_line(None, HEADLINE) is None
