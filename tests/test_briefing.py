"""The quarterly briefing and the warning notices: the generated .docx is opened with
python-docx and its tables are checked against the status rows of `evaluate` — every
lagging target present with its responsible unit, cause and remedy, the counts by status
equal — plus the CLI, the English version, one city, fonts and charts."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections import Counter
from datetime import date

import docx
import pandas as pd
import pytest

from db import queries
from db.connect import open_database
from db.permissions import LOCAL_OPERATOR, Actor
from db.remedies import briefing_facts, record_remedy, remedy_history
from db.writes import enter_value, import_file
from metrics.accountability import LAGGING, home_rows
from metrics.briefing import build_briefing, build_notice, build_notices, notice_units, notices_zip
from metrics.briefing import pdf as pdf_module
from metrics.briefing.document import lagging_header
from metrics.catalog import load_catalog
from metrics.demo import demo_frame
from metrics.errors import InvalidInput
from metrics.exports import to_csv_bytes
from metrics.i18n import t
from metrics.periods import parse_period
from metrics.progress import STATUS_ORDER, evaluate, status_label
from tests.conftest import CONFIG, run_cli

SHARE = "heze-2023-digital-gov.data-service-share"
STATIONS = "heze-2023-digital-gov.base-stations"
LAUNCH = "heze-2023-digital-gov.platform-launch"
HEZE = "371700"
PERIOD = parse_period("2025Q2")  # as of 2025-06-30
TODAY = date(2025, 7, 20)
ANALYST = Actor(name="ana", role="analyst", units=("市大数据局",), regions=(HEZE,))


@pytest.fixture
def filled(db):
    """The small catalog: one target lagging with a broken promise, one without data, one
    achieved; the lagging one has an earlier and a later statement."""
    for indicator, period, value in ((LAUNCH, "2023Q4", "100"), (SHARE, "2025Q1", "40")):
        assert not enter_value(db, LOCAL_OPERATOR, indicator, HEZE, period, value).errors
    record_remedy(
        db, ANALYST, SHARE, HEZE, "旧原因", "旧措施", "2025-02-28", as_of=date(2025, 1, 1)
    )
    record_remedy(
        db,
        ANALYST,
        SHARE,
        HEZE,
        "数据接口未打通",
        "专班推进接口对接",
        "2025-03-31",
        as_of=date(2025, 1, 2),
    )
    return db


def _tables(data: bytes) -> list[list[list[str]]]:
    document = docx.Document(io.BytesIO(data))
    return [[[c.text for c in row.cells] for row in tbl.rows] for tbl in document.tables]


def _lagging_rows(data: bytes, lang: str = "zh") -> list[list[str]]:
    header = lagging_header(lang)
    rows: list[list[str]] = []
    for table in _tables(data):
        if table[0] == header:
            rows += table[1:]
    return rows


def _status_counts(data: bytes, lang: str = "zh") -> dict[str, tuple[int, int]]:
    table = next(tb for tb in _tables(data) if tb[0][0] == t("brief.col_status", lang))
    return {row[0]: (int(row[1]), int(row[2])) for row in table[1:]}


def _expected(db, as_of: date, city: str | None = None) -> pd.DataFrame:
    """The status rows the dashboard shows for that date, computed here on their own."""
    rows = home_rows(evaluate(db.catalog, queries.observations(db), as_of), db.catalog, city)
    return rows


def test_every_lagging_target_is_in_the_tables_with_unit_cause_and_remedy(filled):
    db = filled
    data = build_briefing(briefing_facts(db, PERIOD, today=TODAY), db.catalog)
    expected = _expected(db, PERIOD.end)
    lagging = expected[expected["status"].isin(LAGGING)]
    assert set(lagging["indicator"]) == {SHARE, STATIONS}  # the fixture's intent
    latest = remedy_history(db).drop_duplicates(["indicator", "region"])  # newest first
    causes = dict(zip(latest["indicator"], latest["cause"], strict=True))
    remedies = dict(zip(latest["indicator"], latest["remedy"], strict=True))
    want = Counter()
    for _, row in lagging.iterrows():
        ind = db.catalog.indicators[row["indicator"]]
        want[
            (
                ind.name,
                status_label(row["status"], "zh"),
                "、".join(ind.responsible),
                causes.get(ind.id, "未报送"),
            )
        ] += 1
    rows = _lagging_rows(data)
    got = Counter((r[1], r[2], r[6], r[7]) for r in rows)
    assert got == want
    share = next(r for r in rows if r[1] == db.catalog.indicators[SHARE].name)
    # the current remedy, its promised date, and the broken promise flagged
    assert remedies[SHARE] in share[8] and "2025年3月31日" in share[8]
    assert share[8].startswith("【逾期未整改】")
    assert "旧原因" not in share[7]  # an older statement is history, not the current answer
    stations = next(r for r in rows if r[1] == db.catalog.indicators[STATIONS].name)
    assert stations[7:] == ["未报送", "未报送"]


def test_counts_by_status_equal_evaluate_now_and_the_period_before(filled):
    db = filled
    data = build_briefing(briefing_facts(db, PERIOD, today=TODAY), db.catalog)
    now = _expected(db, PERIOD.end)["status"].value_counts()
    before = _expected(db, date(2025, 3, 31))["status"].value_counts()
    counts = _status_counts(data)
    for s in STATUS_ORDER:
        assert counts[status_label(s, "zh")] == (int(now.get(s, 0)), int(before.get(s, 0))), s
    assert counts["合计"] == (3, 3)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "2025年第二季度" in text and "〔2025〕第2期" in text
    assert "共跟踪1部规划中的目标3项" in text


def test_the_briefing_numbers_equal_the_dashboard_on_demo_data(tmp_path):
    """The full catalog with labelled demo data: every lagging target of the dashboard's
    status for the date is a row, and the counts are the overview's."""
    config = tmp_path / "config.yaml"
    shutil.copy(CONFIG, config)
    db = open_database(load_catalog(config), f"sqlite:///{tmp_path / 'demo.db'}")
    day = date(2026, 9, 30)
    report = import_file(db, to_csv_bytes(demo_frame(db.catalog, day)), "demo.csv", LOCAL_OPERATOR)
    assert report.written
    period = parse_period("2026Q3")
    data = build_briefing(briefing_facts(db, period, today=date(2026, 10, 20)), db.catalog)
    dashboard = home_rows(queries.status(db, day), db.catalog)  # the overview's call
    lagging = dashboard[dashboard["status"].isin(LAGGING)]
    names = Counter(db.catalog.indicators[i].name for i in lagging["indicator"])
    rows = _lagging_rows(data)
    assert Counter(r[1] for r in rows) == names
    assert len(rows) == len(lagging) > 20
    counts = _status_counts(data)
    for s in STATUS_ORDER:
        assert counts[status_label(s, "zh")][0] == int((dashboard["status"] == s).sum())
    # the bureaus of the same name in two cities are ranked apart, named with their city
    league = next(tb for tb in _tables(data) if tb[0][0] == "排名")
    units = {row[1] for row in league[1:]}
    assert {"菏泽市·市大数据局", "济南市·市大数据局"} <= units
    db.engine.dispose()


def test_english_version_and_one_city(filled, small_catalog):
    db = filled
    facts = briefing_facts(db, PERIOD, today=TODAY)
    data = build_briefing(facts, db.catalog, city=HEZE, lang="en")
    rows = _lagging_rows(data, "en")
    assert {r[1] for r in rows} == {
        db.catalog.indicators[SHARE].name_en,
        db.catalog.indicators[STATIONS].name_en,
    }
    assert _status_counts(data, "en")["Total"] == (3, 3)
    title = docx.Document(io.BytesIO(data)).paragraphs[0].text
    assert title == "Progress briefing on smart-city targets, Heze, Q2 2025"
    jinan = build_briefing(facts, db.catalog, city="370100")
    assert _lagging_rows(jinan) == [] and _status_counts(jinan)["合计"] == (0, 0)


def test_fonts_charts_and_reporting_gaps(filled):
    data = build_briefing(briefing_facts(filled, PERIOD, today=TODAY), filled.catalog)
    archive = zipfile.ZipFile(io.BytesIO(data))
    body = archive.read("word/document.xml").decode()
    assert 'w:eastAsia="方正小标宋简体"' in body and 'w:eastAsia="仿宋_GB2312"' in body
    assert 'w:eastAsia="黑体"' in body
    fonts = archive.read("word/fontTable.xml").decode()
    assert "Noto Serif CJK SC" in fonts  # the alternative where the government fonts lack
    assert len(docx.Document(io.BytesIO(data)).inline_shapes) == 2  # units; trajectories
    assert any(n.endswith(".png") for n in archive.namelist())
    # 2025Q2: 5G stations never reported (due 2025-07-10, now 2025-07-20); the share's
    # 2025Q1 value is not for Q2 either
    table = next(tb for tb in _tables(data) if tb[0][1] == "未报送（项）")
    units = {row[0]: row[1:3] for row in table[1:]}
    assert units["市工业和信息化局"] == ["1", "0"]


def test_one_warning_notice_per_unit_with_its_lagging_targets(filled):
    db = filled
    facts = briefing_facts(db, PERIOD, today=TODAY)
    assert notice_units(facts, db.catalog) == ["371700:市大数据局", "371700:市工业和信息化局"]
    notices = build_notices(facts, db.catalog)
    assert sorted(notices) == ["预警通知单_市大数据局.docx", "预警通知单_市工业和信息化局.docx"]
    rows = _lagging_rows(notices["预警通知单_市大数据局.docx"])
    assert [r[1] for r in rows] == [db.catalog.indicators[SHARE].name]
    document = docx.Document(io.BytesIO(notices["预警通知单_市大数据局.docx"]))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "市大数据局：" in text and "其中1项已超过承诺的整改时限" in text
    assert "预警〔2025〕2-01号" in text
    english = build_notice(facts, db.catalog, "371700:市工业和信息化局", lang="en")
    assert "To: 市工业和信息化局" in "\n".join(
        p.text for p in docx.Document(io.BytesIO(english)).paragraphs
    )
    with zipfile.ZipFile(io.BytesIO(notices_zip(notices))) as archive:
        assert sorted(archive.namelist()) == sorted(notices)


def test_pdf_without_libreoffice_says_how(monkeypatch):
    monkeypatch.setattr(pdf_module, "find_converter", lambda: None)
    with pytest.raises(InvalidInput, match="LibreOffice"):
        pdf_module.to_pdf(b"")


@pytest.mark.skipif(pdf_module.find_converter() is None, reason="LibreOffice not installed")
def test_pdf_with_libreoffice(filled):
    data = build_briefing(briefing_facts(filled, PERIOD, today=TODAY), filled.catalog)
    assert pdf_module.to_pdf(data).startswith(b"%PDF")


def test_cli_briefing_and_notices(tmp_path, small_catalog_path):
    out = tmp_path / "通报.docx"
    done = run_cli(
        tmp_path, small_catalog_path, "briefing", "--period", "2025Q2", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert "目标 3 项" in done.stdout
    assert len(_lagging_rows(out.read_bytes())) == 3  # nothing stored: every target lags
    done = run_cli(
        tmp_path, small_catalog_path, "notices", "--period", "2025Q2", "--out", str(tmp_path / "n")
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "n").iterdir()) == [
        "预警通知单_市大数据局.docx",
        "预警通知单_市工业和信息化局.docx",
    ]


@pytest.mark.parametrize(
    "args, words",
    [
        (["--period", "2025-07"], "2026Q3"),
        (["--period", "明年"], "2026Q3"),
        (["--period", "2025Q2", "--city", "371702"], "371702"),
        (["--period", "2025Q2", "--city", "999999"], "999999"),
    ],
)
def test_cli_refuses_bad_arguments_and_writes_nothing(tmp_path, small_catalog_path, args, words):
    out = tmp_path / "x.docx"
    done = run_cli(tmp_path, small_catalog_path, "briefing", *args, "--out", str(out))
    assert done.returncode == 1 and words in done.stderr
    assert not out.exists()
