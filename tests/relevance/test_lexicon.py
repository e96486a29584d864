"""Morphology and spelling variants: each listed form names its country, in any language."""

from __future__ import annotations

import pytest

from bot.relevance.features import extract
from bot.relevance.lexicon import Lexicon, dash_joined
from tests.relevance.support import item, scorer

RUSSIA_FORMS = [
    "Russia",
    "Russian",
    "Россия",
    "России",
    "российских",
    "Русия",
    "Путин",
    "Putin",
    "Путина",
    "Moscow",
    "Москва",
    "в Москве",
    "Кремль",
    "в Кремле",
    "Кремлём",
    "Kremlin",
    "РФ",
    "Путину",
    "Москвой",
    "Россией",
    "Российской Федерации",
    "Маскав",
    "Маскавро",
    "Русияро",
    "Русияву",
    "русҳо",
]
TAJIKISTAN_FORMS = [
    "Tajikistan",
    "Таджикистан",
    "Таджикистана",
    "таджикских",
    "Тоҷикистон",
    "Тоҷикистонро",
    "Rahmon",
    "Rakhmon",
    "Рахмон",
    "Раҳмон",
    "Рахмоном",
    "Dushanbe",
    "Душанбе",
    "в Душанбе",
    "Tajik",
    "Tajiks",
    "Tajikistani",
    "Rahmonov",
    "Rakhmonov",
    "Рахмону",
    "Раҳмонро",
    "Тоҷикистону",
    "тоҷикон",
    "таджикистанский",
    "таджиков",
]


@pytest.mark.parametrize("form", RUSSIA_FORMS)
def test_each_russia_form_names_russia(form: str) -> None:
    f = extract(scorer().lexicon, f"Новость: {form} и соседи", "")
    assert ("russia" in f.sides) and "tajikistan" not in f.sides


@pytest.mark.parametrize("form", TAJIKISTAN_FORMS)
def test_each_tajikistan_form_names_tajikistan(form: str) -> None:
    f = extract(scorer().lexicon, f"News: {form} and neighbours", "")
    assert ("tajikistan" in f.sides) and "russia" not in f.sides


@pytest.mark.parametrize(
    "compound",
    [
        "российско-таджикский форум",
        "российско-таджикских отношений",
        "таджикско-российское сотрудничество",
        "Russian-Tajik relations",
        "Russia-Tajikistan talks",
        "ҳамкориҳои Тоҷикистону Русия",
    ],
)
def test_compound_adjective_names_both_and_counts_as_bilateral(compound: str) -> None:
    f = extract(scorer().lexicon, compound, "")
    assert ("russia" in f.sides) and ("tajikistan" in f.sides) and "bilateral" in f.concepts


@pytest.mark.parametrize(
    "pair", ["Moscow-Dushanbe flights", "рейсы Москва-Душанбе", "Dushanbe–Moscow"]
)
def test_hyphenated_city_pair_names_both_countries(pair: str) -> None:
    f = extract(scorer().lexicon, pair, "")
    assert ("russia" in f.sides) and ("tajikistan" in f.sides)


def test_tajik_migrants_names_tajikistan_and_the_migration_topic() -> None:
    f = extract(scorer().lexicon, "Tajik migrants", "")
    assert ("tajikistan" in f.sides) and "russia" not in f.sides and "migrants" in f.concepts


def test_short_stems_do_not_swallow_other_words() -> None:
    lexicon = scorer().lexicon
    f = extract(lexicon, "A significant ураган hit the русло; русины", "")
    assert not f.concepts.keys() & {"signed", "uranium", "russia"}


def test_tajik_cuisine_in_london_alone_is_not_relevant() -> None:
    verdict = scorer().score(
        item(
            "Tajik cuisine in London",
            "A new restaurant serves plov and sambusa to Londoners near Covent Garden.",
        )
    )
    assert not verdict.relevant
    assert verdict.story is None
    assert "does not name Russia" in verdict.reason


def test_one_side_named_in_many_forms_is_still_not_relevant() -> None:
    verdict = scorer().score(
        item(
            "Таджикистан и Тоҷикистон: Душанбе отмечает Навруз",
            "Рахмон поздравил жителей Таджикистана с праздником.",
        )
    )
    assert not verdict.relevant


def test_variants_across_languages_make_a_bilateral_item_relevant() -> None:
    verdict = scorer().score(
        item(
            "Раҳмон ва Путин дар Маскав мулоқот карданд",
            "Президенти Тоҷикистон бо Президенти Русия музокира кард.",
        )
    )
    assert verdict.relevant
    assert {"Раҳмон", "Путин"} <= set(verdict.matched_terms)


def test_an_explicit_short_prefix_covers_suffixed_forms() -> None:
    lexicon = Lexicon({"russia": ["Руси*"]}, {})
    assert [c for _, c in lexicon.find(["Русияву", "ва", "Русияро"])] == ["russia", "russia"]
    assert lexicon.find(["Рус"]) == []


def test_investigation_is_not_investment_and_officials_are_not_an_official_visit() -> None:
    lexicon = scorer().lexicon
    f = extract(lexicon, "Investigators and officials said", "")
    assert not f.concepts.keys() & {"investment", "official"}
    g = extract(lexicon, "Russian investments; an official visit; официальным визитом", "")
    assert {"investment", "official"} <= g.concepts.keys()


@pytest.mark.parametrize(
    ("text", "ru", "tj"),
    [
        ("Putin empfängt den tadschikischen Präsidenten im Kreml", True, True),
        ("Russland und Tadschikistan", True, True),
        ("Poutine à Douchanbé, allié tadjik", True, True),
        ("Les relations russes", True, False),
        ("پوتین و تاجیکستان", True, True),
        ("Ресей мен Тәжікстан", True, True),
        ("Rossiya va Tojikiston", True, True),
        ("Росія і Таджикистан", True, True),
        ("普京与拉赫蒙在莫斯科会谈", True, True),
        ("Rusya ile Tacikistan anlaşma imzaladı", True, True),
        ("白俄罗斯总统访问中国", False, False),  # Belarus ("White Russia") is not Russia
    ],
)
def test_other_languages_name_the_two_sides(text: str, ru: bool, tj: bool) -> None:
    f = extract(scorer().lexicon, text, "")
    assert (("russia" in f.sides), ("tajikistan" in f.sides)) == (ru, tj)


def test_a_dashed_compound_needs_the_dash_a_comma_is_a_list() -> None:
    lexicon = scorer().lexicon
    assert "bilateral" in extract(lexicon, "Russia-Tajikistan talks", "").concepts
    assert "bilateral" in extract(lexicon, "Russia – Tajikistan talks", "").concepts
    listed = extract(lexicon, "Presidents of Russia, Tajikistan and Belarus met", "")
    assert "bilateral" not in listed.concepts


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("Russia-Tajikistan talks", {1}),
        ("Москва – Душанбе — Бишкек", {1, 2}),  # spaced dashes, one after another
        ("a-b-c", {1, 2}),
        ("Russia, -Tajikistan", set()),  # the dash follows a comma, not a word
        ("Russia - - Tajikistan", set()),  # two dashes apart: no single join
        ("Russia -\u00a0Tajikistan -", {1}),  # a no-break space; a dash at the end joins nothing
        ("word_ - x", set()),  # an underscore is no word (as the tokens say)
        ("2024–2025", {1}),
        ("俄罗斯-塔吉克斯坦", {3}),  # Chinese: one token per character
    ],
)
def test_the_words_joined_by_a_dash_are_found_by_position(text: str, joined: set[int]) -> None:
    assert dash_joined(text) == joined


def test_french_qualifie_is_not_a_sports_qualifier() -> None:
    f = extract(scorer().lexicon, "Poutine a qualifié le Tadjikistan d'allié", "")
    assert "sport" not in f.concepts


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("Визит в 2025 году, договор 1999 г.", {2025, 1999}),
        ("Встреча 12.05.2025 в Душанбе", set()),  # the end of a dotted date is not read as a year
        ("рост на 1,2025 % и 2025.5 тонны, счёт 12025", set()),  # parts of longer numbers
        ("в 2024–2025 гг. (а не в 1949 и не в 2050)", {2024, 2025}),  # only 1950-2049
        ("План до 2030.", {2030}),  # a year may end a sentence
    ],
)
def test_years_are_numbers_standing_alone(text: str, years: set[int]) -> None:
    assert extract(scorer().lexicon, "", text).years == years


def test_numbers_keep_their_decimals_with_a_point() -> None:
    f = extract(scorer().lexicon, "", "рост на 1,2025 % и 2025.5 тонны, счёт 12025, 12.05.2025")
    assert f.numbers == {"1.2025", "2025.5", "12025", "12.05", "2025"}
