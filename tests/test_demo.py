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
