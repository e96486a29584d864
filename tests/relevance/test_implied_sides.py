"""Sides named by context, not by one word: Russia's 201st base, a Russian city beside migrants,
and a capital that is only the place where one side meets a third country."""

from __future__ import annotations

from bot.relevance.build import build_lexicon
from bot.relevance.features import extract
from tests.relevance.support import item, scorer, shipped_settings


def _names_russia(title: str, summary: str = "") -> bool:
    return "russia" in extract(build_lexicon(shipped_settings()), title, summary).sides


# --- the 201st base is Russia's ---


def test_the_201st_base_names_russia_in_russian_english_and_tajik() -> None:
    assert _names_russia("Танкисты 201-й базы провели стрельбы под Кулябом")
    assert _names_russia("Ветераны 201-я военная база отметили юбилей части")
    assert _names_russia("Врачи военной базы 201 приняли пациентов из Бохтара")
    assert _names_russia("Troops of the 201st base hold night drills near Kulob")
    assert _names_russia("Сарбозони пойгоҳи ҳарбии 201 машқҳо гузарониданд")


def test_the_number_201_or_a_base_alone_does_not_name_russia() -> None:
    assert not _names_russia("Tajikistan opens 201 new schools this year")
    assert not _names_russia("Tajik officials deny plans for a foreign military base")
    assert not _names_russia("201 человек получили гранты, база данных обновлена в апреле")


def test_exercise_at_the_201st_base_in_tajikistan_is_relevant() -> None:
    verdict = scorer().score(
        item(
            "Мотострелки 201-й базы в Таджикистане провели учения в горах",
            "Подразделения отработали переброску техники на высоту 3000 метров.",
        )
    )
    assert verdict.relevant
    assert verdict.story == "new_development"


# --- Russian cities and regions count beside migrants, workers or a diaspora ---


def test_tajik_workers_in_a_russian_city_are_relevant_in_each_language() -> None:
    for title, summary in [
        (
            "Таджикские рабочие в Новосибирске неделями ждут патентов",
            "Очереди у миграционного центра растут с весны.",
        ),
        ("Tajik workers in St Petersburg face new document checks", "Queues grew after May."),
        ("Муҳоҷирони тоҷик дар Новосибирск бо санҷишҳо рӯ ба рӯ шуданд", "Навбатҳо дароз шуданд."),
    ]:
        verdict = scorer().score(item(title, summary))
        assert verdict.relevant, title


def test_a_russian_city_without_migrants_does_not_name_russia() -> None:
    assert not _names_russia("Tajik wrestler wins gold in Kazan", "He beat a Kazakh rival.")
    assert not _names_russia("Yekaterinburg film week shows Tajik classics")
    verdict = scorer().score(item("Tajik wrestler wins gold in Kazan", "He beat a Kazakh rival."))
    assert not verdict.relevant


# --- a capital that is only the place of another pair's meeting ---


def test_dushanbe_as_the_venue_of_putins_meeting_with_a_third_leader_is_not_relevant() -> None:
    for title, summary in [
        (
            "Путин и Токаев обсудили в Душанбе поставки газа",
            "Встреча прошла на полях саммита в таджикской столице.",
        ),
        (
            "Putin and Xi trade warm words at a Dushanbe meeting",
            "The two leaders spoke in Dushanbe on Thursday about pipelines.",
        ),
        ("Путин ва Алиев дар Душанбе мулоқот карданд", "Онҳо дар бораи ҳавопаймо сӯҳбат карданд."),
        (
            "Putin in Dushanbe answers questions on Zelensky and Trump",
            "Speaking in Tajikistan's capital, the Russian president talked about the war.",
        ),
    ]:
        verdict = scorer().score(item(title, summary))
        assert not verdict.relevant, title
        assert "venue" in verdict.reason


def test_dushanbe_with_a_tajik_actor_or_without_a_third_party_stays_relevant() -> None:
    for title, summary in [
        (
            "Путин в Душанбе обсудил с Рахмоном поставки газа",
            "Президенты России и Таджикистана провели переговоры.",
        ),
        (
            "Putin and Tokayev in Dushanbe as Rahmon hosts talks",
            "Rahmon met Putin first, then the Kazakh president.",
        ),
        (
            "Dushanbe tells Moscow it will cut migrant quotas",
            "The Tajik government wrote to Russia.",
        ),
    ]:
        assert scorer().score(item(title, summary)).relevant, title


def test_moscow_as_the_venue_of_tajik_talks_with_a_third_country_is_not_relevant() -> None:
    verdict = scorer().score(
        item(
            "Рахмон и Мирзиёев провели переговоры в Москве",
            "Лидеры Таджикистана и Узбекистана обсудили воду на встрече в российской столице.",
        )
    )
    assert not verdict.relevant
    control = scorer().score(
        item("Рахмон провёл переговоры в Москве", "Президент Таджикистана обсудил с Путиным газ.")
    )
    assert control.relevant
