"""The seed scorer's verdicts on real items: seeds, unrelated news, lists, dated follow-ups."""

from __future__ import annotations

from bot.relevance.seed_scorer import SeedScorer
from tests.relevance.support import dev_item, item, scorer, shipped_settings


def _seed_item(index: int) -> tuple[str, object]:
    settings = shipped_settings()
    seed = settings.file.seeds[index]
    text = settings.seed_path(seed).read_text("utf-8")
    title, _, body = text.partition("\n")
    return settings.seed_path(seed).stem, item(title, body, published=seed.date)


def test_each_seeds_own_text_is_same_story_of_that_seed() -> None:
    for index in (0, 1):
        name, seed_item = _seed_item(index)
        verdict = scorer().score(seed_item)  # type: ignore[arg-type]
        assert verdict.relevant
        assert verdict.story == "same_story"
        assert verdict.nearest_seed == name
        assert verdict.seed_similarity[name] > 0.9


def test_a_seed_undated_is_still_same_story() -> None:
    _, seed_item = _seed_item(1)
    undated = item(seed_item.title, seed_item.summary)  # type: ignore[attr-defined]
    assert scorer().score(undated).story == "same_story"


def test_real_unrelated_item_scores_low() -> None:
    verdict = scorer().score(dev_item("d011"))  # Myanmar earthquake
    assert not verdict.relevant
    assert verdict.score <= 0.1
    assert max(verdict.seed_similarity.values()) < 0.1


def test_summit_member_list_naming_both_countries_is_not_relevant() -> None:
    verdict = scorer().score(dev_item("d008"))  # CSTO summit: both only in the member list
    assert not verdict.relevant
    assert "multilateral" in verdict.reason


def test_sports_result_naming_both_countries_is_not_relevant() -> None:
    verdict = scorer().score(
        item(
            "Russia beat Tajikistan 3-0 in football friendly",
            "Russia's national football team beat Tajikistan in a match in "
            "Moscow; the goals came in the second half.",
        )
    )
    assert not verdict.relevant


def test_migrants_item_is_relevant_new_development() -> None:
    verdict = scorer().score(dev_item("d048"))
    assert verdict.relevant and verdict.story == "new_development"
    assert verdict.whats_new


def test_later_visit_repeating_seed_figures_is_new_development() -> None:
    # Trap: October 2025 statements repeat the seed's trade figures; the date decides.
    verdict = scorer().score(
        item(
            "Putin: trade with Tajikistan reached US$1.5 billion, up 7%",
            "After talks with Emomali Rahmon in Dushanbe, Putin said that Russia and Tajikistan "
            "almost completely use national currencies in settlements and Mir cards.",
            published="2025-10-09",
        )
    )
    assert verdict.relevant and verdict.story == "new_development"
    assert "days after the seeds" in verdict.reason


def test_learning_changes_frequencies_and_learn_false_does_not() -> None:
    s: SeedScorer = scorer()
    docs = s.df.docs
    s.score(dev_item("d013"))
    assert s.df.docs == docs + 1
    s.explain(dev_item("d013"), learn=False)
    assert s.df.docs == docs + 1


def test_undated_talks_held_in_another_capital_are_a_new_development() -> None:
    # The seeds' event is in Moscow; the same leaders' talks in Dushanbe are another event.
    verdict = scorer().score(
        item(
            "Путин прибыл в Душанбе с государственным визитом",
            "Президент России Владимир Путин прибыл в Таджикистан с государственным визитом. "
            "Переговоры с Эмомали Рахмоном пройдут в Душанбе.",
        )
    )
    assert verdict.relevant and verdict.story == "new_development"
    assert "held elsewhere: dushanbe" in verdict.reason


def test_undated_report_from_the_kremlin_naming_a_plan_to_2030_is_same_story() -> None:
    verdict = scorer().score(
        item(
            "Russia and Tajikistan sign defence cooperation programme until 2030",
            "The defence ministries signed a strategic partnership programme for 2026-2030 "
            "after talks between Putin and Rahmon in the Kremlin.",
        )
    )
    assert verdict.relevant and verdict.story == "same_story"


def test_undated_report_naming_an_earlier_year_is_a_new_development() -> None:
    verdict = scorer().score(
        item(
            "Rahmon arrives in Moscow on official visit",
            "Tajik President Emomali Rahmon arrived in Moscow in November 2023.",
        )
    )
    assert verdict.story == "new_development"
    assert "names another year: 2023" in verdict.reason


def test_a_country_named_only_in_lists_of_neighbours_is_not_relevant() -> None:
    verdict = scorer().score(
        item(
            "Remittances to Central Asia fall as Russia's economy slows",
            "Money transfers to Uzbekistan, Kyrgyzstan and Tajikistan fell by a fifth, a "
            "development bank said. Workers are moving to South Korea and the Gulf.",
        )
    )
    assert not verdict.relevant
    assert "one country only in lists" in verdict.reason


def test_tajik_food_in_moscow_is_not_relations() -> None:
    verdict = scorer().score(
        item(
            "Tajik cuisine in Moscow: where to eat the best plov",
            "Our guide to five Moscow restaurants serving Tajik dishes, from plov to sambusa.",
        )
    )
    assert not verdict.relevant
    assert "food or leisure" in verdict.reason


def test_embassy_complaint_about_migrants_in_russia_is_relevant() -> None:
    verdict = scorer().score(
        item(
            "Embassy asks Moscow police about detained workers",
            "The Tajik embassy in Russia asked police to explain why dozens of Tajik citizens "
            "were held at a market for two days.",
            published="2024-04-02",
        )
    )
    assert verdict.relevant and verdict.story == "new_development"


def test_friendly_between_the_national_teams_is_sport() -> None:
    verdict = scorer().score(
        item(
            "Tajikistan and Russia draw 1-1 in Dushanbe",
            "The national teams met for the second time; the Russian head coach praised the hosts.",
        )
    )
    assert not verdict.relevant
    assert "sport" in verdict.reason


def test_report_in_german_of_the_seed_talks_is_same_story() -> None:
    verdict = scorer().score(
        item(
            "Putin empfängt Tadschikistans Präsidenten im Kreml",
            "Russland und Tadschikistan unterzeichneten bei dem Besuch ein Abkommen über "
            "militärische Zusammenarbeit bis 2030.",
            published="2025-03-17",
        )
    )
    assert verdict.relevant and verdict.story == "same_story"


def test_sport_or_food_in_the_background_of_a_long_article_does_not_sink_it() -> None:
    text = (
        "Tajik migrants in Russia face new checks after the attack. "
        "Police raided markets and hostels in Moscow. "
        "Many of the workers cook in restaurants or sell food at markets. "
        "On weekends some play football in the parks. "
        "The Tajik embassy in Moscow said it had received hundreds of complaints."
    )
    verdict = scorer().score(
        item(
            "Tajik migrants in Russia face raids",
            "Russian police detained hundreds of Tajik workers.",
            published="2024-04-05",
            text=text,
        )
    )
    assert verdict.relevant
    assert "sport" not in verdict.reason and "food" not in verdict.reason


def test_background_paragraphs_naming_blocs_and_neighbours_do_not_sink_a_bilateral_report() -> None:
    text = (
        "Vladimir Putin and Emomali Rahmon held talks in the Kremlin on Monday. "
        "Tajikistan is a member of the CSTO, the CIS and the SCO. "
        "The situation in Afghanistan was also discussed. "
        "China has become a large investor in Tajikistan, as has Kazakhstan. "
        "Uzbekistan and Kyrgyzstan are also important partners for Dushanbe. "
        "The leaders will meet again at the CIS summit in October."
    )
    verdict = scorer().score(
        item(
            "Putin and Rahmon hold talks in Moscow",
            "The presidents of Russia and Tajikistan met in the Kremlin.",
            published="2024-05-08",
            text=text,
        )
    )
    assert verdict.relevant
    assert verdict.score >= 0.6


def test_an_oblique_headline_is_read_through_its_first_sentence() -> None:
    verdict = scorer().score(
        item(
            "A new stage for the drama theatre",
            "The presidents of Russia and Tajikistan launched by video link the construction of "
            "a new building for the Russian drama theatre. Work will take two years.",
            published="2024-09-01",
        )
    )
    assert verdict.relevant
    assert "lede names both" in verdict.reason
