"""The address guard for webhook URLs (server-side request forgery).

A webhook URL is given by a platform's operator, and pricewatch then POSTs to it from inside the deployment:
without a guard, a URL can reach the cloud metadata service (169.254.169.254, 100.100.100.200), the database, or
anything else on the internal network. Rules:

- only ``http``/``https`` URLs with a host name or a canonical address (``127.0.0.1``, ``[::1]``); numeric hosts
  in other spellings (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``) are refused at add time — they are
  ambiguous between resolvers, and aiohttp would never deliver to them;
- every address the host resolves to must be global (``ipaddress`` ``is_global``; an IPv4-mapped IPv6 address
  is judged by its IPv4 address): private, loopback, link-local, shared (100.64.0.0/10, which holds
  100.100.100.200), reserved, multicast and unspecified addresses are refused;
- ``[webhooks] allow_private`` lists host names or addresses exempt from the rule (local receivers, tests);
- the rule is checked when a URL is added *and* at every delivery, on the address the connection then uses
  (:class:`GuardedResolver`): DNS that changes its answer after the check (rebinding), or a host taken out of
  ``allow_private``, stops deliveries. Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from pricewatch.errors import PricewatchError

_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+))*\.?$", re.IGNORECASE)


class AddressRefused(PricewatchError):
    """A webhook URL whose host is, or resolves to, an address deliveries may not go to."""


def normalised_allowed(entries: Iterable[object]) -> set[str]:
    """``allow_private`` entries as lower-case host names and canonical addresses."""
    out = set()
    for entry in entries:
        text = str(entry).strip().lower().strip("[]")
        try:
            out.add(str(ipaddress.ip_address(text)))
        except ValueError:
            out.add(text.rstrip("."))
    return out


def refusal(address: str) -> str | None:
    """Why ``address`` may not be delivered to (None when it is a global address)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_global and not ip.is_multicast:
        return None
    kind = next((name for name, flag in (("loopback", ip.is_loopback), ("link-local", ip.is_link_local),
                                         ("multicast", ip.is_multicast), ("unspecified", ip.is_unspecified),
                                         ("private", ip.is_private), ("reserved", ip.is_reserved)) if flag),
                "not globally routable")
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        kind = "shared address space (100.64.0.0/10, cloud metadata services live here)"
    return f"{ip} is {kind}"


def check_host_form(url: str) -> tuple[str, int]:
    """The URL's (host, port) after the add-time form checks; AddressRefused when the URL cannot be used."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise AddressRefused(f"webhook URL {url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(f"webhook URL {url!r} must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise AddressRefused(f"webhook URL {url!r} carries credentials; platforms verify the signature instead")
    host = parts.hostname.lower()
    if _NUMERIC_HOST.match(host):
        try:
            canonical = str(ipaddress.IPv4Address(host))
        except ValueError:
            try:
                canonical = socket.inet_ntoa(socket.inet_aton(host.rstrip(".")))
            except OSError:
                raise AddressRefused(f"webhook URL {url!r}: {host!r} is neither a host name nor an address") from None
            raise AddressRefused(f"webhook URL {url!r}: the host {host!r} is the address {canonical} written in "
                                 f"a non-standard form; write it as {canonical}") from None
        host = canonical
    return host, port or (443 if parts.scheme == "https" else 80)


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(f"webhook host {host!r} does not resolve: {exc}") from None
    return sorted({info[4][0] for info in infos})


def check_addresses(host: str, addresses: Iterable[str], allowed: set[str]) -> None:
    """AddressRefused unless every address is global or the host/address is in ``allowed``."""
    if host.strip("[]").lower() in allowed:
        return
    for address in addresses:
        why = refusal(address)
        if why is not None and str(ipaddress.ip_address(address.split("%")[0])) not in allowed:
            raise AddressRefused(f"webhook host {host!r} resolves to {why}; deliveries may not go there. Allow it "
                                 f'explicitly with [webhooks] allow_private = ["{host}"] in pricewatch.toml')


def check_url(url: str, allowed: set[str]) -> None:
    """The add-time check: form, resolution, and every resolved address."""
    host, port = check_host_form(url)
    check_addresses(host, resolve(host.strip("[]"), port), allowed)


def check_literal(url: str, allowed: set[str]) -> None:
    """The delivery-time check for a URL whose host is an address (aiohttp connects to those without asking a
    resolver); host names are checked by :class:`GuardedResolver`."""
    host, _ = check_host_form(url)
    bare = host.strip("[]")
    try:
        ipaddress.ip_address(bare)
    except ValueError:
        return
    check_addresses(bare, [bare], allowed)


class GuardedResolver:
    """An aiohttp resolver that checks, at connection time, the very addresses aiohttp then connects to."""

    def __init__(self, allowed: set[str]):
        import aiohttp

        self._allowed = allowed
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET):  # noqa: ANN201
        results = await self._inner.resolve(host, port, family)
        check_addresses(host, [r["host"] for r in results], self._allowed)  # raises AddressRefused
        return results

    async def close(self) -> None:
        await self._inner.close()


__all__ = ["AddressRefused", "GuardedResolver", "check_addresses", "check_host_form", "check_literal", "check_url",
           "normalised_allowed", "refusal"]
