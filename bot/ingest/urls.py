"""Pure URL work: canonical form of article links, and which addresses a user may add."""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Tracking parameters that never change which article a link points to.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "_hs", "ga_")
_TRACKING = {
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "yclid",
    "ysclid",
    "msclkid",
    "igshid",
    "mkt_tok",
    "_openstat",
    "ref",
    "ref_src",
    "ref_url",
    "cmpid",
    "from",
    "rss",
    "at_medium",
    "at_campaign",
    "spm",
    "share",
    "smid",
    "s_cid",
    "ocid",
    "cid",
}


def article_url(link: str | None, base: str | None) -> str | None:
    """An entry's link as stored: resolved against the feed's address, in canonical form
    (``_canonical``), and None when it is missing or not an http(s) address.

    One parse of the link: an absolute http(s) link (nearly all) skips ``urljoin``, which for
    such a link only splits and joins it again (it resolves no dot segments in an absolute
    link). Except with a ";" in it: the round trip
    drops an empty ";params" ("/a;" becomes "/a"), and an item's id is made from its link.
    """
    if not link or not (link := link.strip()):
        return None
    if base and (";" in link or not link.startswith(("http://", "https://"))):
        link = urljoin(base, link)
    try:
        parts = urlsplit(link)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            return None
        return _canonical(parts)
    except ValueError:  # "http://[::1/", "http://host:port/": no address to link to
        return None


def _canonical(parts: SplitResult) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in {("http", 80), ("https", 443)}
        else f"{host}:{port}"
    )
    query = ""
    if parts.query:
        query = urlencode(
            [
                (k, v)
                for k, v in parse_qsl(parts.query, keep_blank_values=True)
                if k.lower() not in _TRACKING and not k.lower().startswith(_TRACKING_PREFIXES)
            ],
            doseq=True,
        )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def is_non_public_ip(address: str) -> bool:
    """True for every address that is not globally reachable: loopback, private, shared
    (100.64.0.0/10, carrier-grade NAT and some clouds' metadata services), link-local, reserved,
    multicast and unspecified.

    IPv6 addresses that carry an IPv4 address (IPv4-mapped ``::ffff:127.0.0.1``, 6to4
    ``2002:7f00:1::``, Teredo) are judged by the IPv4 address they carry.
    """
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        carried = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if carried is not None:
            ip = carried
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def literal_ip(host: str) -> str | None:
    """The host itself when it is an IP address literal (``[::1]`` included), else None."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def scheme_problem(url: str) -> str | None:
    """Why a URL cannot be a feed or article address (only http and https are), or None."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in {"http", "https"}:
        shown = parts.scheme or "no scheme"
        return f"only http:// and https:// addresses can be fetched (this one has {shown})"
    if not parts.hostname:
        return "the address has no host name"
    return None
