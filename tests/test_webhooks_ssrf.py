"""The webhook address guard (server-side request forgery): what a URL may point at, when it is checked.

Real parts only: a real receiver on 127.0.0.1 (tests/receivers.py), the real dispatcher, real name resolution
(``localhost``), a real database.
"""

from __future__ import annotations

import pytest
from receivers import Receiver
from sqlalchemy import select
from test_webhooks_delivery import emit, make_alerts

from pricewatch.config import load_settings
from pricewatch.errors import PricewatchError
from pricewatch.store import open_database
from pricewatch.store.models import Platform, WebhookDelivery, WebhookEndpoint, utcnow
from pricewatch.webhooks.dispatch import dispatch
from pricewatch.webhooks.endpoints import add_endpoint
from pricewatch.webhooks.guard import refusal

REFUSED = {
    "http://100.100.100.200/latest/meta-data": "shared address space",  # a cloud metadata service
    "http://100.64.0.1/": "shared address space",
    "http://169.254.169.254/latest/meta-data/": "link-local",
    "http://10.1.2.3/hook": "private",
    "http://192.168.1.1/": "private",
    "http://127.0.0.1:9/": "loopback",
    "http://[::1]/": "loopback",
    "http://[::ffff:127.0.0.1]/": "loopback",  # IPv4-mapped IPv6
    "http://[::ffff:169.254.169.254]/": "link-local",
    "http://[fd00::1]/": "private",
    "http://0.0.0.0/": "unspecified",
    "http://224.0.0.1/": "multicast",
    "http://localhost/": "loopback",
    "http://2130706433/": "non-standard form",  # decimal 127.0.0.1: accepted before, never deliverable
    "http://127.1/": "non-standard form",
    "http://0x7f.0.0.1/": "non-standard form",
    "http://0177.0.0.1/": "non-standard form",
    "http://017700000001/": "non-standard form",
    "http://127.0.0.1./": "non-standard form",
    "ftp://example.org/x": "http:// or https://",
    "http://user:pw@example.org/": "credentials",
    "http://example.org:99999/": "not a valid URL",
}


@pytest.mark.parametrize("url", sorted(REFUSED))
def test_a_non_global_or_impossible_url_is_refused_when_added(db, url):
    make_alerts(db, 1) if not _platform_exists(db) else None
    with pytest.raises(PricewatchError, match=REFUSED[url]):
        add_endpoint(db, platform="jd", url=url)


def _platform_exists(db) -> bool:
    with db.session() as s:
        return s.scalar(select(Platform.id).where(Platform.name == "jd")) is not None


def test_only_global_addresses_pass():
    assert refusal("8.8.8.8") is None and refusal("2001:4860:4860::8888") is None
    assert refusal("100.100.100.200") and refusal("::ffff:10.0.0.1") and refusal("198.18.0.1")


def test_taking_a_host_out_of_allow_private_stops_its_deliveries(workdir, database_url):
    (workdir / "pricewatch.toml").write_text('[webhooks]\nallow_private = ["127.0.0.1"]\n')
    allowed = open_database(load_settings(), url=database_url)
    ids = make_alerts(allowed, 2)
    with Receiver([]) as receiver:
        _, secret = add_endpoint(allowed, platform="jd", url=receiver.url)
        receiver.secrets.append(secret)
        emit(allowed, ids[:1])
        assert dispatch(allowed).delivered == 1
        # the operator removes the exemption; the endpoint stays registered
        (workdir / "pricewatch.toml").write_text("[webhooks]\nallow_private = []\n")
        strict = open_database(load_settings(), url=database_url)
        emit(strict, ids[1:])
        stats = dispatch(strict)
    assert receiver.requests == 1, "the receiver on 127.0.0.1 was contacted after its exemption was removed"
    assert (stats.delivered, stats.dead) == (0, 1)
    with strict.session() as s:
        dead = s.scalar(select(WebhookDelivery).where(WebhookDelivery.status == "dead"))
    assert "address guard" in dead.last_error and "loopback" in dead.last_error
    allowed.engine.dispose()
    strict.engine.dispose()


def test_a_host_that_resolves_to_a_private_address_at_delivery_is_not_contacted(db):
    """As after DNS rebinding: the URL passed its check once, and now its name resolves to 127.0.0.1. The
    dispatcher checks the address it connects to, not the one checked when the URL was added."""
    ids = make_alerts(db, 1)
    with Receiver([]) as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        with db.session() as s:
            jd = s.scalar(select(Platform).where(Platform.name == "jd"))
            # written as if it had passed add_endpoint while the name pointed elsewhere
            s.add(WebhookEndpoint(platform_id=jd.id, url=f"http://localhost:{port}/hook", enabled=True,
                                  secrets=[{"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "expires_at": None}],
                                  created_at=utcnow()))
            s.commit()
        emit(db, ids)
        stats = dispatch(db)
    assert receiver.requests == 0
    assert stats.dead == 1 and stats.delivered == 0


def test_a_redirect_is_never_followed(wdb_redirect):
    """An allowed receiver answering 307 to another address: the dispatcher does not follow it."""
    db, redirector, target = wdb_redirect
    ids = make_alerts(db, 1)
    add_endpoint(db, platform="jd", url=redirector)
    emit(db, ids)
    stats = dispatch(db)
    assert target.requests == 0
    assert stats.delivered == 0 and stats.failed == 1
    with db.session() as s:
        assert s.scalar(select(WebhookDelivery.last_status)) == 307


@pytest.fixture
def wdb_redirect(workdir, database_url):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    (workdir / "pricewatch.toml").write_text('[webhooks]\nallow_private = ["127.0.0.1"]\n')
    db = open_database(load_settings(), url=database_url)
    with Receiver([]) as target:
        class Redirect(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def do_POST(self):  # noqa: N802 - http.server's name
                self.rfile.read(int(self.headers.get("content-length", 0)))
                self.send_response(307)
                self.send_header("location", target.url)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):  # noqa: ANN002
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield db, f"http://127.0.0.1:{server.server_address[1]}/hook", target
        finally:
            server.shutdown()
            server.server_close()
            db.engine.dispose()
