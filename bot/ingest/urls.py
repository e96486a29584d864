"""Pure URL work: canonical form of article links, and which addresses a user may add."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Tracking parameters that never change which article a link points to.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "_hs", "ga_")
_TRACKING = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "yclid", "ysclid", "msclkid", "igshid",
    "mkt_tok", "_openstat", "ref", "ref_src", "ref_url", "cmpid", "from", "rss", "at_medium",
    "at_campaign", "spm", "share", "smid", "s_cid", "ocid", "cid",
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
    netloc = host if port is None or (scheme, port) in {("http", 80), ("https", 443)} else f"{host}:{port}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _TRACKING and not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def is_private_address(url: str) -> bool:
    """True when the URL's host is, or resolves to, loopback, private, link-local or reserved."""
    host = urlsplit(url).hostname
    if not host:
        return True
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError:
            return False  # unresolvable: the fetch will fail with a clear error of its own
        addresses = {ipaddress.ip_address(info[4][0]) for info in infos}
    return any(
        a.is_private or a.is_loopback or a.is_link_local or a.is_reserved or a.is_multicast
        or a.is_unspecified
        for a in addresses
    )
