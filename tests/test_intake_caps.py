"""A workbook above the row cap is refused while it is read, not after every row is
parsed (issue 14 item 7)."""

from __future__ import annotations

import io
import time

import openpyxl
import pytest

from metrics.catalog import load_catalog
from metrics.importer import ImportFileError
from metrics.intake import check_report, grid

ST = "heze-2023-digital-gov.base-stations"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    from tests.conftest import SMALL_CATALOG

    path = tmp_path_factory.mktemp("c") / "config.yaml"
    path.write_text(SMALL_CATALOG, encoding="utf-8")
    return load_catalog(path)


def workbook(rows: int, hidden_rows: int = 0) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["指标编码", "地区", "统计期", "数值"])
    for i in range(rows):
        ws.append([ST, "371702", f"{2000 + i // 4}Q{i % 4 + 1}", i])
    if hidden_rows:
        extra = book.create_sheet("旧数据")
        for i in range(hidden_rows):
            extra.append([ST, "371702", "2024Q1", i])
        extra.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_workbook_above_the_cap_is_refused_while_read(catalog, monkeypatch):
    cells = []
    real = grid._xlsx_cell
    monkeypatch.setattr(grid, "_xlsx_cell", lambda c: cells.append(1) or real(c))
    data = workbook(5_000)
    start = time.perf_counter()
    with pytest.raises(ImportFileError) as exc:
        check_report(data, "big.xlsx", catalog, max_rows=100)
    assert time.perf_counter() - start < 5
    assert "100" in str(exc.value) and "拆分" in str(exc.value) and "split" in str(exc.value)
    assert len(cells) < 200 * 4  # stopped after about 100 rows, not 5,000


def test_a_workbook_at_the_cap_and_a_hidden_sheet_are_read(catalog):
    checked, intake = check_report(workbook(100, hidden_rows=500), "ok.xlsx", catalog, max_rows=100)
    assert checked.total == 100  # every row read and checked (years outside the plan
    #                               are row errors, not a refusal of the file)
    assert {"sheet": "旧数据", "reason": "hidden"} in intake.skipped_sheets
