"""One article through an aggregator and through its outlet's own feed is one stored report, with
the outlet as its source and the outlet's link (m010): the rules the store keeps, in a real file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import NewItem, ReportProbe, open_store

NOW = datetime(2026, 7, 14, 9, 0, tzinfo=UTC)
WINDOW = timedelta(days=2)
GOOGLE_LINK = "https://news.google.com/rss/articles/CBMi-example?oc=5"
OWN_LINK = "https://www.deseret.com/politics/2026/07/13/monuments/"


def _item(item_id: str, url: str, feed_id: int, **extra: object) -> NewItem:
    fields: dict[str, object] = {
        "id": item_id,
        "guid": None,
        "url": url,
        "title": "Trump signs executive order shrinking 2 national monuments in Utah",
        "summary": "",
        "text": None,
        "lang": "en",
        "published_at": NOW,
        "published_raw": None,
        "fetched_at": NOW,
        "feed_id": feed_id,
        "report_key": "k1",
        **extra,
    }
    return NewItem(**fields)  # type: ignore[arg-type]


def _probe(item_id: str, *, aggregator_link: bool, at: datetime = NOW) -> ReportProbe:
    return ReportProbe(item_id, "k1", at, aggregator_link, WINDOW)


def test_an_outlets_item_joins_the_aggregators_report_and_survives_a_reopen(
    tmp_path: Path,
) -> None:
    store = open_store(tmp_path / "tj.db")
    google = store.feeds.add("Google News", "https://news.google.com/rss/search?q=x", None, NOW)
    own = store.feeds.add("Deseret News (politics)", "https://www.deseret.com/rss", None, NOW)
    publisher = {"publisher": "Deseret News", "publisher_url": "https://www.deseret.com"}
    store.items.add([_item("g", GOOGLE_LINK, google.id, aggregator_link=True, **publisher)])
    assert store.items.get("g").sources == ("Deseret News",)  # type: ignore[union-attr]

    # The outlet's own item: same key, a day later, not yet known by id.
    assert store.items.reports_of([_probe("o", aggregator_link=False, at=NOW + WINDOW)]) == {
        "o": "g"
    }
    assert store.items.reports_of([_probe("o", aggregator_link=False, at=NOW + 3 * WINDOW)]) == {}
    store.items.add([_item("o", OWN_LINK, own.id, report_id="g")])
    report = store.items.get("g")
    assert report is not None and report.url == OWN_LINK
    assert set(report.sources) == {"Deseret News", "Deseret News (politics)"}
    assert store.items.count() == 1
    store.close()

    store = open_store(tmp_path / "tj.db")
    # The next poll knows the outlet's item by its id (an alias of the report) ...
    assert store.items.reports_of([_probe("o", aggregator_link=False)]) == {"o": "g"}
    # ... and another item of the outlet's own with the same headline is another article.
    assert store.items.reports_of([_probe("o2", aggregator_link=False)]) == {}
    # A second aggregator's copy still joins.
    assert store.items.reports_of([_probe("g2", aggregator_link=True)]) == {"g2": "g"}
    store.close()
