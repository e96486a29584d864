"""Themes from the shipped config, matched by stem in any of the configured languages, counted."""

from __future__ import annotations

from bot.digest.period import Period, parse_period
from bot.digest.summary import summary_from_store
from bot.digest.themes import OTHER, ThemeCount, ThemeMatcher, count_themes
from bot.relevance.terms import KeywordRules
from bot.topic_file import label_table
from storage import Store
from tests.digest.conftest import NOW
from tests.support.config import shipped_config
from tests.support.summary_data import dev_items, store_item

TEXTS = [
    "Россия поможет достроить Рогунскую ГЭС",  # energy (ГЭС; "Рогунскую" is not "Рогун")
    "Rosatom and Tajikistan discuss hydropower and electricity exports",  # energy
    "Мигрантов из Таджикистана депортировали из Москвы",  # migration (stem of мигрант)
    "Tajik migrants face deportation after border security checks",  # migration and security
    "Putin and Rahmon held talks in the Kremlin",  # politics ("talks")
    "A football match in Dushanbe",  # none
]


def test_each_theme_counts_the_items_that_name_it(matcher: ThemeMatcher) -> None:
    counts = count_themes(matcher, TEXTS)
    assert counts == (
        ThemeCount("energy", 2),
        ThemeCount("migration and remittances", 2),
        ThemeCount("security", 1),
        ThemeCount("politics and succession", 1),
    )


def test_an_item_has_one_primary_theme_for_the_chart(matcher: ThemeMatcher) -> None:
    assert matcher.primary(TEXTS[3]) == "migration and remittances"  # two terms beat one
    assert matcher.primary(TEXTS[0]) == "energy"
    assert matcher.primary(TEXTS[5]) == OTHER
    assert matcher.themes_of(TEXTS[3]) == ("migration and remittances", "security")


def test_themes_of_a_stored_period(store: Store, matcher: ThemeMatcher) -> None:
    rows = dev_items()
    for n, key in enumerate(("d013", "d022", "d048", "d018", "d045")):
        store_item(store, rows[key], at=NOW.replace(hour=n + 1), score=0.7)
    period = parse_period("24h", NOW)
    assert isinstance(period, Period)
    summary = summary_from_store(store, matcher, period, now=NOW)
    themes = {t.name: t.count for t in summary.themes}
    # d013, d022, d048 are about migrants and deportations; d045 about a Russian theatre and
    # school; d018 (Rosatom, uranium tailings) names no configured term.
    assert themes["migration and remittances"] == 3
    assert themes["culture and education"] == 1
    assert "energy" not in themes


def test_themes_match_as_the_keyword_rules_do(matcher: ThemeMatcher) -> None:
    """One matcher: a theme is named exactly when the same terms written as a keyword rule would
    match the text (same tokens, folding and stems), on every labelled item."""
    reference = {
        label_table(t["name"])["en"]: KeywordRules({"theme": t["terms"]})
        for t in shipped_config()["themes"]
    }
    rows = list(dev_items().values())
    assert len(rows) >= 50
    named = 0
    for row in rows:
        text = f"{row['title']}\n{row['summary']}"
        expected = tuple(name for name, rules in reference.items() if rules.match(text).sides[0][1])
        assert matcher.themes_of(text) == expected, row["id"]
        named += bool(expected)
    assert named >= 20  # the comparison covers items that do name themes
