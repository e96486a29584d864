# The bodies of ``pop`` and ``push_content`` below are feedparser's own
# (``feedparser.mixin._FeedParserMixin``, version 6.0.14), with the changes the module docstring
# names. feedparser's licence:
#
# Copyright 2010-2025 Kurt McKee <contactme@kurtmckee.org>
# Copyright 2002-2008 Mark Pilgrim
# All rights reserved.
#
# Redistribution and use in source and binary forms, with or without
# modification, are permitted provided that the following conditions are met:
#
# * Redistributions of source code must retain the above copyright notice,
#   this list of conditions and the following disclaimer.
# * Redistributions in binary form must reproduce the above copyright notice,
#   this list of conditions and the following disclaimer in the documentation
#   and/or other materials provided with the distribution.
#
# THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS 'AS IS'
# AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
# IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE
# ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT OWNER OR CONTRIBUTORS BE
# LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR
# CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
# SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS
# INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN
# CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE)
# ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE
# POSSIBILITY OF SUCH DAMAGE.
"""Two of feedparser's methods, copied, and a shortcut for a third function, without work that
is a large part of feedparser's time in the parse workers and does nothing for the result
(measurements in benchmarks/NOTES.md). The parse workers install them when they start
(``install``, called by ``bot.ingest.worker.init_worker``), and so does the bot's process when it
parses a small poll itself (``bot.ingest.cpu``); importing this module changes nothing.

``pop`` (where an element closes and its text is stored):

- feedparser's Windows-1252 fix-up runs ``str.translate`` with a dict over every element's text;
  for text outside ASCII, that is a dict lookup and a KeyError raised and cleared per character.
  The copy runs it only on text holding a C1 control character (U+0080 to U+009F), the only
  characters it changes.
- feedparser copies the content parameters (a dict of strings) with ``copy.deepcopy``; the copy
  uses a dict copy, which is the same copy.

``push_content`` (where an element with content opens): the content parameters are a plain
``dict``, not a ``FeedParserDict``. Every piece of text and every element asks them for their
``type`` (``get``), and ``FeedParserDict.get`` is Python: a method, then ``__getitem__`` going
through the key aliases ("guid" for "id", "description" for "summary", ...). The parameters'
keys (type, language, base, base64, mode, src) have no alias, so a ``dict`` answers the same;
what reaches the parsed result is still a ``FeedParserDict`` (``pop`` copies the parameters into
one).

And ``urljoin`` stands in for the module's ``_urljoin`` where the mixin calls it: every element
that opens joins the feed's base address to its own ``xml:base``; for a feed parsed without a
base address (tjwatch resolves links itself) both are empty, and feedparser runs a regular
expression and ``urllib.parse.urljoin`` to give back "". The shortcut answers "" at once and
leaves every other call to feedparser.

Everything else is feedparser's code, unchanged: ``tests/ingest/test_feedparser_fast.py`` fails
when the installed feedparser's methods are not the ones these copies were made from, and checks
that both give the same result on every feed in the test data.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from typing import Any

import feedparser
import feedparser.mixin
from feedparser.html import _cp1252
from feedparser.sanitizer import _sanitize_html
from feedparser.urls import resolve_relative_uris
from feedparser.util import FeedParserDict

log = logging.getLogger(__name__)

_C1 = re.compile("[\x80-\x9f]")
COPIED_FROM = "6.0.14"
"""The feedparser release these methods are copied from (pyproject.toml pins it)."""
_MIXIN = feedparser.mixin._FeedParserMixin
FEEDPARSER_OWN = {"pop": _MIXIN.pop, "push_content": _MIXIN.push_content}
"""feedparser's own methods: for the tests, and for the benchmark's raw floor, which must use
them."""
FEEDPARSER_URLJOIN = feedparser.mixin._urljoin
"""feedparser's own ``_urljoin``, as the mixin module holds it."""


def urljoin(base: Any, uri: Any) -> Any:
    """feedparser's ``_urljoin``, with nothing to join answered at once."""
    if base == "" and uri == "":
        return ""
    return FEEDPARSER_URLJOIN(base, uri)


def install() -> None:
    """Make feedparser use these copies (in this process, for every parse), if feedparser is the
    release they were copied from: another release keeps its own code."""
    if feedparser.__version__ != COPIED_FROM:
        log.warning(
            "feedparser %s is installed, not %s: parsing uses its own code, correct but slower "
            "(copy %s again into bot/ingest/feedparser_fast.py)",
            feedparser.__version__,
            COPIED_FROM,
            " and ".join(COPIES),
        )
        return
    for name, method in COPIES.items():
        setattr(_MIXIN, name, method)
    feedparser.mixin._urljoin = urljoin


def installed() -> bool:
    """Whether any of this module's code stands in for feedparser's in this process."""
    return feedparser.mixin._urljoin is urljoin or any(
        getattr(_MIXIN, name) is method for name, method in COPIES.items()
    )


# fmt: off
def pop(self: Any, element: str, strip_whitespace: int = 1) -> Any:
    if not self.elementstack:
        return
    if self.elementstack[-1][0] != element:
        return

    element, expecting_text, pieces = self.elementstack.pop()

    # Ensure each piece is a str for Python 3
    for (i, v) in enumerate(pieces):
        if isinstance(v, bytes):
            pieces[i] = v.decode('utf-8')

    if self.version == 'atom10' and self.contentparams.get('type', 'text') == 'application/xhtml+xml':
        # remove enclosing child element, but only if it is a <div> and
        # only if all the remaining content is nested underneath it.
        # This means that the divs would be retained in the following:
        #    <div>foo</div><div>bar</div>
        while pieces and len(pieces) > 1 and not pieces[-1].strip():
            del pieces[-1]
        while pieces and len(pieces) > 1 and not pieces[0].strip():
            del pieces[0]
        if pieces and (pieces[0] == '<div>' or pieces[0].startswith('<div ')) and pieces[-1] == '</div>':
            depth = 0
            for piece in pieces[:-1]:
                if piece.startswith('</'):
                    depth -= 1
                    if depth == 0:
                        break
                elif piece.startswith('<') and not piece.endswith('/>'):
                    depth += 1
            else:
                pieces = pieces[1:-1]

    output = ''.join(pieces)
    if strip_whitespace:
        output = output.strip()
    if not expecting_text:
        return output

    # decode base64 content
    if base64 and self.contentparams.get('base64', 0):
        try:
            output = base64.decodebytes(output.encode('utf8')).decode('utf8')
        except (binascii.Error, binascii.Incomplete, UnicodeDecodeError):
            pass

    # resolve relative URIs
    if (element in self.can_be_relative_uri) and output:
        # do not resolve guid elements with isPermalink="false"
        if not element == 'id' or self.guidislink:
            output = self.resolve_uri(output)

    # decode entities within embedded markup
    if not self.contentparams.get('base64', 0):
        output = self.decode_entities(element, output)

    # some feed formats require consumers to guess
    # whether the content is html or plain text
    if not self.version.startswith('atom') and self.contentparams.get('type') == 'text/plain':
        if self.looks_like_html(output):
            self.contentparams['type'] = 'text/html'

    # remove temporary cruft from contentparams
    try:
        del self.contentparams['mode']
    except KeyError:
        pass
    try:
        del self.contentparams['base64']
    except KeyError:
        pass

    is_htmlish = self.map_content_type(self.contentparams.get('type', 'text/html')) in self.html_types
    # resolve relative URIs within embedded markup
    if is_htmlish and self.resolve_relative_uris:
        if element in self.can_contain_relative_uris:
            output = resolve_relative_uris(output, self.baseuri, self.encoding, self.contentparams.get('type', 'text/html'))

    # sanitize embedded markup
    if is_htmlish and self.sanitize_html:
        if element in self.can_contain_dangerous_markup:
            output = _sanitize_html(output, self.encoding, self.contentparams.get('type', 'text/html'))

    if self.encoding and isinstance(output, bytes):
        output = output.decode(self.encoding, 'ignore')

    # address common error where people take data that is already
    # utf-8, presume that it is iso-8859-1, and re-encode it.
    if self.encoding in ('utf-8', 'utf-8_INVALID_PYTHON_3') and not isinstance(output, bytes):
        try:
            output = output.encode('iso-8859-1').decode('utf-8')
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass

    # map win-1252 extensions to the proper code points
    if not isinstance(output, bytes):
        output = output.translate(_cp1252) if _C1.search(output) else output

    # categories/tags/keywords/whatever are handled in _end_category or
    # _end_tags or _end_itunes_keywords
    if element in ('category', 'tags', 'itunes_keywords'):
        return output

    if element == 'title' and -1 < self.title_depth <= self.depth:
        return output

    # store output in appropriate place(s)
    if self.inentry and not self.insource:
        if element == 'content':
            self.entries[-1].setdefault(element, [])
            contentparams = FeedParserDict(self.contentparams)
            contentparams['value'] = output
            self.entries[-1][element].append(contentparams)
        elif element == 'link':
            if not self.inimage:
                # query variables in urls in link elements are improperly
                # converted from `?a=1&b=2` to `?a=1&b;=2` as if they're
                # unhandled character references. fix this special case.
                output = output.replace('&amp;', '&')
                output = re.sub("&([A-Za-z0-9_]+);", r"&\g<1>", output)
                self.entries[-1][element] = output
                if output:
                    self.entries[-1]['links'][-1]['href'] = output
        else:
            if element == 'description':
                element = 'summary'
            old_value_depth = self.property_depth_map.setdefault(self.entries[-1], {}).get(element)
            if old_value_depth is None or self.depth <= old_value_depth:
                self.property_depth_map[self.entries[-1]][element] = self.depth
                self.entries[-1][element] = output
            if self.incontent:
                contentparams = FeedParserDict(self.contentparams)
                contentparams['value'] = output
                self.entries[-1][element + '_detail'] = contentparams
    elif self.infeed or self.insource:  # and (not self.intextinput) and (not self.inimage):
        context = self._get_context()
        if element == 'description':
            element = 'subtitle'
        context[element] = output
        if element == 'link':
            # fix query variables; see above for the explanation
            output = re.sub("&([A-Za-z0-9_]+);", r"&\g<1>", output)
            context[element] = output
            context['links'][-1]['href'] = output
        elif self.incontent:
            contentparams = FeedParserDict(self.contentparams)
            contentparams['value'] = output
            context[element + '_detail'] = contentparams
    return output


def push_content(self: Any, tag: str, attrs_d: Any, default_content_type: str, expecting_text: Any) -> None:
    self.incontent += 1
    if self.lang:
        self.lang = self.lang.replace('_', '-')
    self.contentparams = dict({
        'type': self.map_content_type(attrs_d.get('type', default_content_type)),
        'language': self.lang,
        'base': self.baseuri})
    self.contentparams['base64'] = self._is_base64(attrs_d, self.contentparams)
    self.push(tag, expecting_text)
# fmt: on


COPIES = {"pop": pop, "push_content": push_content}
"""This module's copies, by the name of the feedparser method each stands in for."""
