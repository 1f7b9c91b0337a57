"""History queries against a small known dataset, with exact expected numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from pricewatch import history
from pricewatch.ingest import ingest_frame

# Two listings of one jd seller (masks: 50 per box), one tmall listing (alcohol 500ml), one unnormalised listing.
ROWS = [
    # platform, listing, observed_at (UTC), price, shipping, seller, title, availability
    ("jd", "m1", "2020-01-19T01:00:00Z", "25.00", "0", "s1", "口罩 50只/盒", "in_stock"),
    ("jd", "m1", "2020-01-19T15:00:00Z", "30.00", "0", "s1", "口罩 50只/盒", "in_stock"),   # 23:00 in Shanghai, same day
    ("jd", "m1", "2020-01-19T17:00:00Z", "50.00", "0", "s1", "口罩 50只/盒", "in_stock"),   # 01:00 next day in Shanghai
    ("jd", "m2", "2020-01-19T02:00:00Z", "45.00", "5", "s1", "口罩 50只/盒", "in_stock"),
    ("jd", "m2", "2020-01-20T02:00:00Z", "95.00", "5", "s1", "口罩 50只/盒", "out_of_stock"),
    ("tmall", "a1", "2020-01-19T03:00:00Z", "20.00", "", "t1", "75%酒精 500ml", "in_stock"),
    ("tmall", "a1", "2020-01-20T03:00:00Z", "22.50", "", "t1", "75%酒精 500ml", "in_stock"),
    ("tmall", "x9", "2020-01-20T03:00:00Z", "9.90", "", "t1", "口罩 2盒", "in_stock"),
]


@pytest.fixture
def dataset(db):
    frame = pd.DataFrame(ROWS, columns=["platform", "listing_id", "observed_at", "price", "shipping", "seller_id",
                                        "title", "availability"]).assign(currency="CNY")
    stats = ingest_frame(db, frame)
    assert stats.accepted == len(ROWS)
    return db


def test_per_observation_history_of_one_listing(dataset):
    frame = history.query(dataset, platforms="jd", listings="m1")
    assert frame["price"].tolist() == [25.0, 30.0, 50.0]
    assert frame["unit_price"].tolist() == [0.5, 0.6, 1.0]
    assert (frame["unit"] == "piece").all() and (frame["seller_id"] == "s1").all()
    assert str(frame["observed_at"].dt.tz) == "UTC"


def test_date_filters_are_days_in_the_display_zone(dataset):
    # 2020-01-19 in Asia/Shanghai runs from 2020-01-18T16:00Z to 2020-01-19T16:00Z
    frame = history.query(dataset, listings="m1", start="2020-01-19", end="2020-01-19", tz="Asia/Shanghai")
    assert frame["price"].tolist() == [25.0, 30.0]
    utc = history.query(dataset, listings="m1", start="2020-01-19", end="2020-01-19", tz="UTC")
    assert utc["price"].tolist() == [25.0, 30.0, 50.0]
    instant = history.query(dataset, listings="m1", start="2020-01-19T14:00:00+00:00")
    assert instant["price"].tolist() == [30.0, 50.0]


def test_daily_by_listing(dataset):
    frame = history.query(dataset, platforms="jd", freq="D", by="listing", tz="Asia/Shanghai")
    rows = {(str(r.day), r.listing_id): (r.median, r.min, r.max, r.n_prices, r.n_observations)
            for r in frame.fillna(-1).itertuples()}
    assert rows == {
        ("2020-01-19", "m1"): (0.55, 0.5, 0.6, 2, 2),
        ("2020-01-20", "m1"): (1.0, 1.0, 1.0, 1, 1),
        ("2020-01-19", "m2"): (1.0, 1.0, 1.0, 1, 1),   # (45 + 5 shipping) / 50
        ("2020-01-20", "m2"): (-1, -1, -1, 0, 1),      # out of stock: observed, not an offer
    }
    included = history.query(dataset, listings="m2", freq="D", tz="Asia/Shanghai", include_unavailable=True)
    assert included[["median", "n_prices", "n_observations"]].values.tolist() == [[1.0, 1, 1], [2.0, 1, 1]]


def test_daily_by_category_never_mixes_units(dataset):
    frame = history.query(dataset, freq="D", by="category", tz="UTC")
    masks = frame[(frame["category"] == "mask.surgical") & (frame["unit"] == "piece")]
    assert masks.set_index(masks["day"].astype(str))[["median", "n_prices"]].fillna(-1).to_dict("index") == {
        "2020-01-19": {"median": 0.8, "n_prices": 4},  # 0.5, 0.6, 1.0 (m1) and 1.0 (m2)
        "2020-01-20": {"median": -1, "n_prices": 0},   # only m2's out-of-stock 2.0, which is not an offer
    }
    alcohol = frame[frame["category"] == "disinfectant.alcohol"]
    assert alcohol["unit"].unique().tolist() == ["ml"]
    assert alcohol["median"].tolist() == [0.04, 0.045]  # exact: rounded once to 4 significant digits
    # the unnormalised listing is counted as an observation but has no unit price
    unknown = frame[frame["unit"].isna()]
    assert unknown["n_prices"].tolist() == [0] and unknown["n_observations"].tolist() == [1]


def test_daily_by_seller_and_platform(dataset):
    by_seller = history.query(dataset, freq="D", by="seller", tz="UTC", sellers="s1")
    assert by_seller["n_prices"].sum() == 4 and by_seller["n_observations"].sum() == 5  # one out of stock
    by_platform = history.query(dataset, freq="D", by="platform", tz="UTC", categories="disinfectant.alcohol")
    assert by_platform[["platform", "max"]].values.tolist() == [["tmall", 0.04], ["tmall", 0.045]]


def test_history_command_writes_csv_and_parquet(dataset, run_cli, workdir):
    result = run_cli("history", "--listing", "m2", "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("observed_at,platform,listing_id")
    assert lines[1].startswith("2020-01-19T02:00:00Z,jd,m2")
    result = run_cli("history", "--daily", "--by", "platform", "--format", "parquet", "-o", "p.parquet")
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(workdir / "p.parquet")
    assert set(frame["platform"]) == {"jd", "tmall"}
    result = run_cli("history", "--category", "mask.surgical")
    assert result.exit_code == 0 and "observed_at (Asia/Shanghai)" in result.output
    assert "2020-01-20 01:00" in result.output  # 17:00Z shown in the display zone
