"""The topic fixture feeds (real reports) re-dated to the last few days, for tests that look at
"the latest stories": each item keeps its place in time order, three hours apart, the newest an
hour before ``now``. Plus a feed whose one relevant item carries markup in its headline."""

from __future__ import annotations

import email.utils
import re
from datetime import datetime, timedelta
from pathlib import Path

TOPIC = Path(__file__).resolve().parents[1] / "data" / "topic"
FEEDS = ("topic-en-rss.xml", "topic-ru-rss.xml")
HOSTILE_FILE = "script-headline-rss.xml"
# A relevant report whose headline holds markup as text. RSS titles are HTML: feedparser drops a
# real <script> element, so a feed that means the characters escapes them twice (&amp;lt;).
HOSTILE_TITLE = "Putin and Rahmon talk migration <script>alert(1)</script> in Dushanbe"
_PUB = re.compile(r"<pubDate>([^<]+)</pubDate>")


def write_fresh_feeds(folder: Path, now: datetime) -> list[str]:
    """Write the re-dated feeds and the hostile one into ``folder``; their file names."""
    texts = {name: (TOPIC / name).read_text("utf-8") for name in FEEDS}
    dates = sorted(
        {email.utils.parsedate_to_datetime(d) for t in texts.values() for d in _PUB.findall(t)},
        reverse=True,
    )
    fresh = {d: now - timedelta(hours=1 + 3 * rank) for rank, d in enumerate(dates)}

    def redate(match: re.Match[str]) -> str:
        when = fresh[email.utils.parsedate_to_datetime(match.group(1))]
        return f"<pubDate>{email.utils.format_datetime(when)}</pubDate>"

    for name, text in texts.items():
        (folder / name).write_text(_PUB.sub(redate, text), "utf-8")
    escaped = HOSTILE_TITLE.replace("<", "&amp;lt;").replace(">", "&amp;gt;")
    when = email.utils.format_datetime(now - timedelta(minutes=30))
    (folder / HOSTILE_FILE).write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Hostile headlines</title><link>https://hostile.example/</link>
<description>fixture</description>
<item><title>{escaped}</title><link>https://hostile.example/putin-rahmon-migration</link>
<guid isPermaLink="false">hostile-1</guid>
<description>Russian President Vladimir Putin and Tajik President Emomali Rahmon held talks in
Dushanbe on labour migration; Russia and Tajikistan signed an agreement on organised recruitment
of Tajik migrant workers.</description>
<pubDate>{when}</pubDate></item>
</channel></rss>
""",
        "utf-8",
    )
    return [*FEEDS, HOSTILE_FILE]
