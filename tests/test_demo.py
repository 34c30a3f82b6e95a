"""The demo: labelled synthetic data that shows a newcomer every status."""

from __future__ import annotations

from datetime import date

from db.queries import status
from db.writes import import_file
from metrics.catalog import load_catalog
from metrics.demo import DEMO_SOURCE, demo_frame
from metrics.exports import to_csv_bytes
from metrics.progress import STATUS_ORDER
from tests.conftest import CONFIG


def test_demo_shows_every_status_and_is_labelled(tmp_path):
    from db.connect import open_database

    db = open_database(load_catalog(CONFIG), f"sqlite:///{tmp_path / 'demo.db'}")
    frame = demo_frame(db.catalog, date(2026, 11, 23))
    assert (frame["来源"] == DEMO_SOURCE).all()
    report = import_file(db, to_csv_bytes(frame), "demo.csv")
    assert report.errors == [] and report.written
    seen = set(status(db, date(2026, 11, 23)).status)
    assert seen == set(STATUS_ORDER)


def test_demo_counts_are_whole_and_counties_add_up() -> None:
    """Issue 17 item 5: no 14.36个; a city's count is still the sum of its counties'."""
    catalog = load_catalog(CONFIG)
    frame = demo_frame(catalog, date(2026, 11, 23))
    counts = frame[frame["单位"].isin(["个", "家", "项"])]
    assert len(counts) and (counts["数值"] % 1 == 0).all()
    for (ind, period), rows in counts.groupby(["指标编码", "统计期"]):
        home = catalog.region_of(catalog.indicators[ind])
        kids = set(catalog.children_of(home))
        city = rows[rows["地区编码"] == home]["数值"].sum()
        parts = rows[rows["地区编码"].isin(kids)]["数值"]
        assert parts.empty or parts.sum() == city, (ind, period)


def test_whole_county_counts_never_fall_as_the_city_count_grows() -> None:
    """A cumulative county series stays cumulative (the importer refuses a fall)."""
    from metrics.demo import _split

    previous = [0.0] * 9
    for value in range(300):
        parts = _split(float(value), 9, whole=True)
        assert sum(parts) == value and all(p >= q for p, q in zip(parts, previous, strict=True))
        previous = parts
