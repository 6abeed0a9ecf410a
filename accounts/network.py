"""The client's address, as the lockout and the access log record it.

`X-Forwarded-For` is written by whoever sends the request, so it is believed only when the
request comes from a reverse proxy listed in `TRUSTED_PROXIES` (addresses or networks). Then the
client is the right-most address of the header that is not itself a trusted proxy: each proxy
appends the address it received the request from, and only the trusted ones' entries are true.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _parse(value):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _trusted(_parse(remote or ""), networks):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed(forwarded.split(",")):
        address = _parse(entry)
        if address is None:
            break  # a malformed entry: what lies left of it cannot be trusted
        if not _trusted(address, networks):
            return str(address)
    return remote
