"""The daily digest from a known dataset: every alert present with its numbers, charts embedded, CSV = HTML;
e-mail delivered to a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import csv
import io
import re
import socket
import time
from datetime import datetime
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from pricewatch.config import load_settings
from pricewatch.detect import run_detection
from pricewatch.digest import build_digest, send_digest, write_digest
from pricewatch.emergency import add_emergency
from pricewatch.ingest import ingest_frame
from pricewatch.simulate.scenario import build_scenario
from pricewatch.store import open_database
from pricewatch.store.models import Alert


@pytest.fixture
def with_alerts(db):
    sc = build_scenario(n_listings=80, days=50, emergency_day=25, seed=21)
    ingest_frame(db, sc.feed())
    for e in sc.emergency:
        add_emergency(db, name=e["name"], jurisdiction=e["jurisdiction"], start=e["start"].to_pydatetime(),
                      rules=e["rules"])
    run_detection(db)
    return db


def today(db):
    return datetime.now(ZoneInfo(db.settings.timezone)).date()


def test_digest_lists_every_active_alert_with_its_numbers_and_chart(with_alerts):
    db = with_alerts
    digest = build_digest(db, today(db), max_charts=500)
    with db.session() as s:
        alerts = s.scalars(select(Alert)).all()
    active = [a for a in alerts if a.status != "closed"]
    assert active
    html = digest.html
    for a in active:
        card = re.search(rf'data-alert-id="{a.id}">(.*?)</div>\s*(?=<div class="card|</div></body>|\{{)', html, re.S)
        assert card, a.id
        text = card.group(1)
        assert f"{a.increase_pct:+.0f}%" in text
        assert f"<span class=\"rule\">{a.rule}</span>" in text
        assert "data:image/png;base64," in text
    assert html.count('<img alt="price chart') == len(digest.alerts)
    assert 'alt="category price index"' in html
    counts = digest.counts
    assert int(re.search(r'class="n-new">(\d+)<', html).group(1)) == counts["new"] == len(alerts)
    assert int(re.search(r'class="n-closed">(\d+)<', html).group(1)) == counts["closed"]


def test_csv_matches_the_html(with_alerts, tmp_path):
    db = with_alerts
    digest = write_digest(db, build_digest(db, today(db), max_charts=500), tmp_path)
    rows = list(csv.DictReader(io.StringIO(digest.csv_path.read_text(encoding="utf-8"))))
    html_ids = [int(x) for x in re.findall(r'data-alert-id="(\d+)"', digest.html_path.read_text(encoding="utf-8"))]
    assert [int(r["alert_id"]) for r in rows] == html_ids
    assert rows[0]["severity"] in ("egregious", "severe")
    for r in rows:
        assert f"{float(r['increase_pct']):+.0f}%" in digest.html


def test_digest_in_chinese(workdir, database_url, with_alerts):
    (workdir / "pricewatch.toml").write_text('[display]\nlanguage = "zh"\n', encoding="utf-8")
    db = open_database(load_settings(), url=database_url)
    html = build_digest(db, today(db)).html
    assert "每日价格监测简报" in html and "平台承诺履行情况" in html


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_digest_is_emailed_with_html_body_and_csv_attachment(workdir, database_url, with_alerts):
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        (workdir / "pricewatch.toml").write_text(
            f'[mail]\nhost = "127.0.0.1"\nport = {port}\nsender = "pricewatch@example.org"\n'
            'recipients = ["duty-officer@samr.example", "analyst@samr.example"]\n', encoding="utf-8")
        db = open_database(load_settings(), url=database_url)
        digest = write_digest(db, build_digest(db, today(db)), workdir / "out")
        sent = send_digest(db, digest)
        deadline = time.time() + 5
        while not received and time.time() < deadline:
            time.sleep(0.05)
    finally:
        controller.stop()
    assert sent == ["duty-officer@samr.example", "analyst@samr.example"]
    [envelope] = received
    assert set(envelope.rcpt_tos) == set(sent)
    message = message_from_bytes(envelope.content, policy=policy.default)
    html = message.get_body(("html",)).get_content()
    assert "data:image/png;base64," in html and 'data-alert-id="' in html
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"digest-{digest.day.isoformat()}.csv"
    assert attachment.get_content().replace("\r\n", "\n") == digest.csv.replace("\r\n", "\n")


def test_digest_command(run_cli, with_alerts, workdir):
    result = run_cli("digest", "--output-dir", "d")
    assert result.exit_code == 0, result.output
    assert "new" in result.output and list((workdir / "d").glob("digest-*.html"))
    no_mail = run_cli("digest", "--send", "--output-dir", "d")
    assert no_mail.exit_code == 1 and "[mail] host and recipients" in no_mail.output
