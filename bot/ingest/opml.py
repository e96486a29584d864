"""OPML 2.0 import and export of the feed list (http://opml.org/spec2.opml). Pure.

Import reads every ``<outline>`` with an ``xmlUrl`` at any depth (readers such as Feedly,
Inoreader, NetNewsWire and Miniflux nest feeds in category outlines) and remembers the enclosing
category. Export writes what those readers import: ``type="rss"``, ``text``, ``title``,
``xmlUrl`` and, when known, ``htmlUrl``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime


class OpmlError(ValueError):
    """The file is not OPML we can read; the message says why, for people."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    title: str
    xml_url: str
    html_url: str | None = None
    category: str | None = None


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """The feeds listed in an OPML document, in document order, each address once."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        # No DTDs: entity expansion is a denial-of-service vector and OPML needs none.
        raise OpmlError("the file declares a DTD or entities, which OPML does not need")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise OpmlError(f"not well-formed XML ({exc})") from None
    if root.tag.lower() != "opml":
        raise OpmlError(f"the root element is <{root.tag}>, not <opml>")
    body = root.find("body")
    if body is None:
        raise OpmlError("the file has no <body>")
    feeds: list[OpmlFeed] = []
    seen: set[str] = set()
    _walk(body, None, feeds, seen)
    return feeds


def _walk(node: ET.Element, category: str | None, out: list[OpmlFeed], seen: set[str]) -> None:
    for outline in node.findall("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        label = (outline.get("title") or outline.get("text") or "").strip()
        if url:
            if url not in seen:
                seen.add(url)
                html_url = (outline.get("htmlUrl") or "").strip() or None
                out.append(OpmlFeed(label or url, url, html_url, category))
        else:
            _walk(outline, label or category, out, seen)


def to_opml(feeds: Iterable[OpmlFeed], *, title: str, created: datetime) -> str:
    """An OPML 2.0 document; feeds with a category are grouped in a category outline."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(created, usegmt=True)
    body = ET.SubElement(root, "body")
    groups: dict[str, ET.Element] = {}
    for feed in feeds:
        parent = body
        if feed.category:
            if feed.category not in groups:
                groups[feed.category] = ET.SubElement(
                    body, "outline", text=feed.category, title=feed.category
                )
            parent = groups[feed.category]
        attrs = {"type": "rss", "text": feed.title, "title": feed.title, "xmlUrl": feed.xml_url}
        if feed.html_url:
            attrs["htmlUrl"] = feed.html_url
        ET.SubElement(parent, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
