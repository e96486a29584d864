"""Pure decision: features + seed similarities → relevance score and story evidence.

The weights below are the scorer's tunable constants, kept in one place. They were set by reasoning
from the label definitions (the relationship must be the main subject; lists of summit members,
guest lists and sports results are not), then checked on the development set; the thresholds the
user may want to move (relevance, same_story) are in the config file's ``[thresholds]``. Which
concepts name the two sides, and which are the relationship's topics, third countries, venues and
other events, is the topic's (the ``sides`` and ``cues`` passed in, from the topic file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.relevance.features import Features
from bot.relevance.lexicon import EXCLUDED
from bot.relevance.reasons import Reason, reason
from bot.topic import Side

# --- relevance: evidence that the relationship is the main subject -------------------------------
GATE_BASE = 0.35  # both countries named somewhere
TITLE_BOTH = 0.30  # the headline names both sides
TITLE_ONE = 0.10  # the headline names one side
BOTH_SHARE = 0.15  # × share of sentences naming both sides
LEDE_BOTH = 0.10  # a headline naming neither side: its first sentence names both (stands in for it)
TOPIC_EACH, TOPIC_MAX = 0.05, 0.15  # relationship topics (migrants, trade, the base, ...)
BILATERAL_EACH, BILATERAL_MAX = 0.04, 0.12  # talks, visit, agreement, signed, ...
BILATERAL_WORD = 0.10  # "bilateral", and the topic's compounds naming the pair
MULTILATERAL_EACH, MULTILATERAL_MAX = 0.10, 0.30  # CIS, CSTO, SCO, summit, member states
COUNTRY_EACH, COUNTRY_MAX = 0.05, 0.20  # third countries named
BACKGROUND = 0.25  # weight of a setting or country named only after the first sentence
TITLE_THIRD_COUNTRY = 0.15  # a third country, not our pair, in the headline
TITLE_LIST = 0.25  # two or more third countries in the headline: a list (summit, guests)
LISTED = 0.25  # one side named only in lists of three or more countries
SPORT = 0.50  # sports results
LIFESTYLE = 0.50  # food, restaurants, travel tips: not relations, like sport
VENUE = 0.50  # one side only the place of a meeting with a third party (its capital hosts others)
ONE_SIDE = 0.10  # score of an item naming only one of the two countries

# --- story: same event as the seeds, or a new development ----------------------------------------
WINDOW_BEFORE_DAYS = 5  # previews and arrivals before the seed date
WINDOW_AFTER_DAYS = 4  # reports of the talks and signings after it
IN_WINDOW_BASE = 0.5  # a dated item within the window starts at the same_story threshold,
IN_WINDOW_EVENT = 0.2  # ... gains when it reports talks, a visit, signings or both leaders,
IN_WINDOW_NO_EVENT = 0.3  # ... and loses when it reports none of these
LEADERS_PAIR = 0.15  # undated: both leaders (not just both countries) named
EVENT_EACH, EVENT_MAX = 0.08, 0.25  # undated: talks, visit, signings, press statements...
SEED_MONTH = 0.10  # undated: names the seeds' month
OTHER_MONTH = 0.20  # undated: names another month
OTHER_YEAR = 0.40  # undated: names a year that dates another event (see ``_other_years``)
ELSEWHERE = 0.30  # undated: held in a city the seeds' ledes do not name (the other capital)
NOVEL_EACH = 0.20  # per kind of event (summit, exercise, deportation...) the seeds' lede lacks
UNDATED_BASE = 0.1  # an undated item needs event evidence to reach the same_story threshold
EVENT_CUES = frozenset(
    {
        "talks",
        "visit",
        "informal",
        "meeting",
        "phone",
        "signed",
        "documents",
        "agreement",
        "official",
        "press_statement",
        "video_link",
    }
)


@dataclass(frozen=True, slots=True)
class StoryEvidence:
    similarity: float  # in [0, 1]; same_story from the configured threshold
    decided_by_date: bool
    notes: tuple[str, ...]


def relevance(
    f: Features, cues: dict[str, frozenset[str]], sides: tuple[Side, ...]
) -> tuple[float, list[Reason]]:
    """A score in [0, 1] and the reasons (``bot.relevance.reasons``). ``sides``: the topic's
    pair, in order."""
    if EXCLUDED in f.concepts:
        return 0.0, [reason("excluded")]
    if not f.both:
        missing = next(s.country for s in sides if s.id not in f.sides)
        score = ONE_SIDE if f.sides else 0.0
        return score, [reason("missing_side", [missing])]
    why = [reason("both_countries")]
    score = GATE_BASE
    if f.title_both:
        score += TITLE_BOTH
        why.append(reason("headline_both"))
    elif f.title_sides:
        score += TITLE_ONE
    score += BOTH_SHARE * f.both_share
    if f.lede_both and not f.title_sides:
        score += LEDE_BOTH
        why.append(reason("lede_both"))
    topics = f.named(cues["relationship_topics"])
    score += min(TOPIC_MAX, TOPIC_EACH * len(topics))
    if topics:
        why.append(reason("topics", sorted(topics)))
    bilateral = f.named(cues["bilateral"])
    score += min(BILATERAL_MAX, BILATERAL_EACH * len(bilateral))
    if "bilateral" in f.concepts:
        score += BILATERAL_WORD
        why.append(reason("bilateral_word"))
    multilateral = f.named(cues["multilateral"])
    if multilateral:
        score -= min(MULTILATERAL_MAX, MULTILATERAL_EACH * _weight(multilateral, f))
        why.append(reason("multilateral", sorted(multilateral)))
    others = f.named(cues["other_countries"])
    if others:
        score -= min(COUNTRY_MAX, COUNTRY_EACH * _weight(others, f))
        why.append(reason("other_countries", sorted(others)))
    if cues["other_countries"] & f.title_concepts and not f.title_both:
        score -= TITLE_THIRD_COUNTRY
        why.append(reason("headline_third_country"))
    title_others = cues["other_countries"] & f.title_concepts
    if len(title_others) >= 2:
        score -= TITLE_LIST
        why.append(reason("headline_lists"))
    if f.listed:
        score -= LISTED
        why.append(reason("listed"))
    if f.venue_sides and cues.get("third_parties", frozenset()) & f.title_concepts:
        score -= VENUE
        # The second side's name when both are only venues (one reason, as for one).
        side = next(s.country for s in reversed(sides) if s.id in f.venue_sides)
        why.append(reason("venue_only", [side]))
    # Sport and food are what an item is about when its headline or first sentence says so; a
    # long article's background ("migrants work in restaurants") does not make it a review.
    if cues["sport"] & f.head_concepts:
        score -= SPORT
        why.append(reason("sport"))
    if cues.get("lifestyle", frozenset()) & f.head_concepts:
        score -= LIFESTYLE
        why.append(reason("lifestyle"))
    return max(0.0, min(1.0, score)), why


def _weight(named: frozenset[str], f: Features) -> float:
    """Count in the headline and first sentence fully, further down (background) by a quarter."""
    head = len(named & f.head_concepts)
    return head + BACKGROUND * (len(named) - head)


@dataclass(frozen=True, slots=True)
class SeedEvent:
    """What the seeds' headlines and ledes say about their event."""

    dates: tuple[date, ...]
    concepts: frozenset[str]
    years: frozenset[int]
    months: frozenset[str]
    venues: frozenset[str] = frozenset()
    """The topic's venues the seeds' ledes name: where their event happened."""


def story(
    f: Features,
    published: date | None,
    seeds: SeedEvent,
    cues: dict[str, frozenset[str]],
    nearest: float,
    sides: tuple[Side, ...],
) -> StoryEvidence:
    """How strongly the item reports the seeds' event rather than another one.

    ``f`` should describe the item's headline and lede, as ``seeds`` describes theirs: background
    further down a long article names other events without being about them.
    """
    seed_dates, seed_concepts, seed_years = seeds.dates, seeds.concepts, seeds.years
    notes: list[str] = []
    event = f.named(EVENT_CUES)
    # Both leaders (or both capitals), not only both countries: the sides' own people met.
    pair = bool(sides) and all(f.named(frozenset(s.leaders + s.capitals)) for s in sides)
    novel = (f.concepts.keys() - seed_concepts) & (
        cues["relationship_topics"] | cues["multilateral"] | cues["extra_events"]
    )
    if published is not None and seed_dates:
        delta = min(((published - d).days for d in seed_dates), key=abs)
        if not -WINDOW_BEFORE_DAYS <= delta <= WINDOW_AFTER_DAYS:
            notes.append(
                f"published {abs(delta)} days {'after' if delta > 0 else 'before'} the seeds"
            )
            return StoryEvidence(0.0, True, tuple(notes))
        notes.append("published within the seeds' days")
        score = (
            IN_WINDOW_BASE
            + (IN_WINDOW_EVENT if event or pair else -IN_WINDOW_NO_EVENT)
            - NOVEL_EACH * len(novel)
            + nearest
        )
        return StoryEvidence(max(0.0, min(1.0, score)), True, tuple(notes))
    score = UNDATED_BASE + nearest
    if pair:
        score += LEADERS_PAIR
        notes.append("both leaders named")
    if event:
        score += min(EVENT_MAX, EVENT_EACH * len(event))
        notes.append("event: " + ", ".join(sorted(event)))
    seed_months = frozenset(f"month_{d.month:02d}" for d in seed_dates)
    if f.months & seed_months:
        score += SEED_MONTH
    if f.months - seed_months - seeds.months:
        score -= OTHER_MONTH
        notes.append("names another month")
    earlier = _other_years(f.years - seed_years, seed_dates)
    if earlier:
        score -= OTHER_YEAR
        notes.append("names another year: " + ", ".join(str(y) for y in earlier))
    venues = f.named(cues.get("venues", frozenset()))
    if venues and seeds.venues and not venues & seeds.venues:
        score -= ELSEWHERE
        notes.append("held elsewhere: " + ", ".join(sorted(venues)))
    if novel:
        score -= NOVEL_EACH * len(novel)
        notes.append("not in the seeds: " + ", ".join(sorted(novel)))
    return StoryEvidence(max(0.0, min(1.0, score)), False, tuple(notes))


def _other_years(years: frozenset[int], seed_dates: tuple[date, ...]) -> list[int]:
    """The years that date another event: not the year before the seeds' (last year's figures are
    quoted in any report: "trade grew 7% in 2024"), nor later ones (plans: "programme to 2030")."""
    if not seed_dates:
        return sorted(years)
    first = min(d.year for d in seed_dates)
    return sorted(y for y in years if y < first - 1)
