"""Pure URL work: canonical form of article links, and which addresses a user may add."""

from __future__ import annotations

import ipaddress
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

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


def resolve(link: str | None, base: str | None) -> str | None:
    if not link:
        return None
    link = link.strip()
    return urljoin(base, link) if base else link


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in {("http", 80), ("https", 443)}
        else f"{host}:{port}"
    )
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _TRACKING and not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


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
