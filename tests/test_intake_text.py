"""Free text is stored as written; an indicator code and name that disagree are refused
(issue 14 item 9)."""

from __future__ import annotations

import pytest

from metrics.catalog import load_catalog
from metrics.intake import check_report

ST = "heze-2023-digital-gov.base-stations"
SHARE_NAME = "一体化大数据平台统一提供数据服务的比例"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    from tests.conftest import SMALL_CATALOG

    path = tmp_path_factory.mktemp("c") / "config.yaml"
    path.write_text(SMALL_CATALOG, encoding="utf-8")
    return load_catalog(path)


@pytest.mark.parametrize(
    ("note", "source"),
    [
        ("统计局：修订（第二版）", "市大数据局（汇总）"),
        ("ＡＢＣ　全角", "①来源"),
        ("  前后空格  ", "\t来源\t"),
    ],
)
def test_note_and_source_are_kept_as_written(catalog, note, source):
    csv = f"指标编码,地区,统计期,数值,备注,来源\n{ST},371702,2024Q3,0.4,{note},{source}\n"
    checked, _ = check_report(csv.encode("utf-8"), "t.csv", catalog)
    assert checked.errors.empty
    assert checked.rows.note.tolist() == [note.strip()]
    assert checked.rows.source.tolist() == [source.strip()]


def test_names_and_numbers_are_still_normalised(catalog):
    csv = f"指标编码,地区,统计期,数值\n{ST},３７１７０２,２０２４Ｑ３,０．４\n"
    checked, _ = check_report(csv.encode("utf-8"), "t.csv", catalog)
    assert checked.errors.empty
    assert checked.rows.region_code.tolist() == ["371702"]
    assert checked.rows.value.tolist() == [0.4]


def test_indicator_code_and_name_that_disagree_are_refused(catalog):
    csv = f"指标编码,指标名称,地区,统计期,数值\n{ST},{SHARE_NAME},371702,2024Q3,40\n"
    checked, _ = check_report(csv.encode("utf-8"), "t.csv", catalog)
    assert checked.rows.empty
    (error,) = checked.error_list()
    assert error["row"] == 2 and "指标名称" in error["column"]
    assert ST in error["message"] and SHARE_NAME in error["message"]
