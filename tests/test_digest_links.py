"""The digest names each alert's seller and listing page and links it into the review workspace (``[ui] base_url``),
for every alert — the ones with a card in the HTML and the ones only in the CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from compliance_seed import seed_compliance
from sqlalchemy import select

from pricewatch.config import load_settings
from pricewatch.digest import build_digest
from pricewatch.errors import ConfigError
from pricewatch.store import open_database
from pricewatch.store.models import Alert, Listing, Seller

DAY = date(2020, 2, 10)  # the seeded alerts are detected on this day (Asia/Shanghai)


def _configured(workdir, database_url, text: str):  # noqa: ANN001, ANN202
    (workdir / "pricewatch.toml").write_text(text, encoding="utf-8")
    return open_database(load_settings(), url=database_url)


def test_each_alert_card_names_the_seller_and_links_listing_and_workspace(db, workdir, database_url):
    ids = seed_compliance(db)
    configured = _configured(workdir, database_url, '[ui]\nbase_url = "https://pw.samr.example/"\n')
    digest = build_digest(configured, DAY, max_charts=3)
    cards = re.findall(r'<div class="card alert-card" data-alert-id="(\d+)">(.*?)\n</div>', digest.html, re.S)
    assert len(cards) == 3
    with db.session() as s:
        truth = {a: (name, key, license_, url) for a, name, key, license_, url in s.execute(
            select(Alert.id, Seller.name, Seller.seller_key, Seller.license, Listing.url)
            .join(Listing, Listing.id == Alert.listing_id).join(Seller, Seller.id == Listing.seller_id))}
    for alert_id, card in cards:
        name, key, license_, url = truth[int(alert_id)]
        assert f"<b>{name}</b>" in card and key in card
        assert (f"licence {license_}" in card) == bool(license_)
        assert f'class="listing-link" href="{url}"' in card
        assert f'class="review-link" href="https://pw.samr.example/ui/alerts/{alert_id}"' in card
    rows = list(csv.DictReader(io.StringIO(digest.csv)))
    assert len(rows) == len(digest.alerts) > 3  # the CSV-only alerts carry the same links
    for row in rows:
        name, key, license_, url = truth[int(row["alert_id"])]
        assert row["seller_name"] == name and row["url"] == url and row["seller_id"] == key
        assert row["review_url"] == f"https://pw.samr.example/ui/alerts/{row['alert_id']}"
    assert set(ids.values()) >= {int(r["alert_id"]) for r in rows}


def test_chinese_digest_names_seller_and_link_in_chinese(db, workdir, database_url):
    seed_compliance(db)
    configured = _configured(workdir, database_url,
                             '[display]\nlanguage = "zh"\n[ui]\nbase_url = "http://10.1.2.3:8000"\n')
    html = build_digest(configured, DAY, max_charts=2).html
    assert "经营者" in html and "商品页面" in html and "在审查工作台中处理" in html
    assert 'href="http://10.1.2.3:8000/ui/alerts/' in html


def test_without_base_url_the_digest_has_no_workspace_links(db):
    seed_compliance(db)
    digest = build_digest(db, DAY, max_charts=2)
    assert "review-link" not in digest.html and "listing-link" in digest.html
    assert all(r["review_url"] == "" for r in csv.DictReader(io.StringIO(digest.csv)))


@pytest.mark.parametrize("value", ['"pw.samr.example"', '"ftp://pw.example"', '"https://pw.example/?x=1"', "8000"])
def test_a_bad_base_url_is_refused_naming_the_key(workdir, value):
    (workdir / "pricewatch.toml").write_text(f"[ui]\nbase_url = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ui\.base_url"):
        load_settings()


def test_a_misspelt_ui_key_is_refused(workdir):
    (workdir / "pricewatch.toml").write_text('[ui]\nbase_uri = "https://pw.example"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="did you mean 'base_url'"):
        load_settings()
