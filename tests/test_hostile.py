"""Hostile input: whatever file an analyst uploads, and however the catalog is mangled,
the answer is either a clean import or a refusal in Chinese and English: never another
exception, never a partial write, never a hang (issue 8).

Property-based (hypothesis, bounded examples and deadlines) over random bytes, wrong and
mixed encodings, broken CSV structure and hostile cell values and workbooks, plus a fixed
corpus of the classic attacks (zip bomb, XML entity bomb, dimension bomb, 10 MB cell,
ten thousand columns, …), each in-process and through `python -m metrics import`."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import signal
import subprocess
import sys
import zipfile
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.conftest import ROOT, SMALL_CATALOG
from tests.reliability_helpers import figures, slow_variant, sqlite_dump, sqlite_url

FIXTURES = (figures,)  # imported so that pytest finds it here

STATIONS = "heze-2023-digital-gov.base-stations"  # 万个, counts (not negative)
SHARE = "heze-2023-digital-gov.data-service-share"  # %, 0–100
LAUNCH = "heze-2023-digital-gov.platform-launch"  # milestone, % complete
HEADER = "指标编码,地区,统计期,数值"

TRIED: Counter = Counter()  # hostile inputs tried, by kind (reported at the end)
TIME_BOUND_S = 60  # no single file may take longer than this, however hostile

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def bilingual(message: str) -> bool:
    """A sentence in Chinese and in English (the project's "中文 / English" form)."""
    return bool(CJK.search(message) and LATIN_WORD.search(message) and " / " in message)


@contextlib.contextmanager
def time_bound(seconds: float):
    """Fail (instead of hanging CI) when the block runs longer than `seconds`."""

    def expire(_signum, _frame):  # type: ignore[no-untyped-def]
        raise TimeoutError(f"still running after {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module", autouse=True)
def _report_tried(figures):
    """At the end of the module: how many hostile inputs were tried (README figures)."""
    yield
    if TRIED:
        figures["hostile inputs tried"] = (
            f"{sum(TRIED.values())} ({', '.join(f'{k} {v}' for k, v in sorted(TRIED.items()))}); "
            "each imported whole or refused with a bilingual message; partial writes 0, "
            f"other exceptions 0, none over {TIME_BOUND_S} s"
        )


# --- one database for the module: every outcome is checked as a difference ----------------------


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    from db.connect import open_database
    from metrics.catalog import load_catalog

    folder = tmp_path_factory.mktemp("hostile")
    (folder / "config.yaml").write_text(SMALL_CATALOG, encoding="utf-8")
    path = folder / "metrics.db"
    database = open_database(load_catalog(folder / "config.yaml"), sqlite_url(path))
    database.path = path  # type: ignore[attr-defined]
    database.folder = folder  # type: ignore[attr-defined]
    yield database
    database.engine.dispose()


def attempt(db, data: bytes, name: str, kind: str):  # type: ignore[no-untyped-def]
    """Import one file and check the contract, whatever the file:

    - refused whole (ImportFileError): a bilingual message, the database unchanged;
    - rows rejected: each error bilingual with its row, nothing written;
    - written: exactly the rows the report counts, no more, no fewer.
    Anything else (another exception, a partial write, a hang) fails the test."""
    from db.writes import import_file
    from metrics.importer import ImportFileError

    TRIED[kind] += 1
    before = sqlite_dump(db.path)
    try:
        with time_bound(TIME_BOUND_S):
            # plausibility warnings are tested in test_intake; here: reading, whole or refused
            report = import_file(db, data, name, accept_warnings=True)
    except ImportFileError as exc:
        message = str(exc)
        assert bilingual(message), f"not bilingual: {message[:300]}"
        assert sqlite_dump(db.path) == before, "a refused file changed the database"
        return exc
    after = sqlite_dump(db.path)
    for error in report.errors:
        assert bilingual(error["message"]), f"not bilingual: {error['message'][:300]}"
        assert int(error["row"]) >= 2
    if not report.written:
        assert after == before, "a file that was not written changed the database"
        assert report.errors or report.inserted + report.updated == 0
        return report
    assert not report.errors, "written although rows were rejected (no --skip-invalid)"
    grew = {t: len(after[t]) - len(before[t]) for t in after}
    assert grew["observations"] == report.inserted, "a partial write"
    assert grew["revisions"] == report.updated, "revisions do not match the updates"
    assert grew["imports"] == 1
    if report.changes is not None:  # and each written row holds the value reported
        header = after["observations"][0]
        cols = [header.index(c) for c in ("indicator_id", "region_code", "period_end", "value")]
        stored = {
            (r[cols[0]], r[cols[1]], str(r[cols[2]])[:10]): r[cols[3]]
            for r in after["observations"][1:]
        }
        for row in report.changes[report.changes.change != "unchanged"].itertuples():
            key = (row.indicator_id, row.region_code, str(row.period_end)[:10])
            assert stored[key] == row.value, f"{key}: stored {stored[key]}, reported {row.value}"
    return report


# --- building hostile workbooks ----------------------------------------------------------------


def xlsx(rows: list[list[object]], number_formats: dict[str, str] | None = None) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for ref, fmt in (number_formats or {}).items():
        sheet[ref].number_format = fmt
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_member(data: bytes, member: str, content: bytes, level: int = 9) -> bytes:
    """The workbook with one zip member replaced (or added)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target,
    ):
        for info in source.infolist():
            if info.filename != member:
                target.writestr(info.filename, source.read(info.filename))
        target.writestr(member, content)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet_xml(rows: list[str], dimension: str | None = None, prolog: str = "") -> bytes:
    """A worksheet part from rows of raw <c> cell XML (row numbers from 1)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = "".join(f'<row r="{i}">{cells}</row>' for i, cells in enumerate(rows, start=1))
    return (
        f'{prolog}<worksheet xmlns="{NS}">{dim}<sheetData>{body}</sheetData></worksheet>'.encode()
    )


def cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


HEADER_CELLS = cell("A1", "指标编码") + cell("B1", "统计期") + cell("C1", "数值")
BASE_XLSX = None


def base_xlsx() -> bytes:
    global BASE_XLSX
    if BASE_XLSX is None:
        BASE_XLSX = xlsx([["x"]])
    return BASE_XLSX


def workbook_with_sheet(xml: bytes, level: int = 9) -> bytes:
    return with_member(base_xlsx(), SHEET, xml, level)


# --- the fixed corpus: every classic attack, with what must come of it --------------------------


def streamed_bomb(member: str, head: bytes, tail: bytes, filler: bytes, megabytes: int) -> bytes:
    """The small workbook with `member` holding `megabytes` MB of filler, deflated while
    written (never held inflated in memory): about 1 MB of zip per GB."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base_xlsx())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            if info.filename != member:
                target.writestr(info.filename, source.read(info.filename))
        big = zipfile.ZipInfo(member)
        big.compress_type = zipfile.ZIP_DEFLATED
        with target.open(big, "w", force_zip64=True) as stream:
            stream.write(head)
            chunk = filler * ((1 << 20) // len(filler))
            for _ in range(megabytes):
                stream.write(chunk)
            stream.write(tail)
    return out.getvalue()


@functools.cache
def zip_bomb() -> bytes:
    """A 1 GiB worksheet (whitespace inside sheetData)."""
    head, tail = sheet_xml([HEADER_CELLS]).split(b"</sheetData>")
    return streamed_bomb(SHEET, head, b"</sheetData>" + tail, b" ", 1024)


@functools.cache
def shared_strings_bomb() -> bytes:
    """A 300 MB shared string."""
    return streamed_bomb(
        "xl/sharedStrings.xml", f'<sst xmlns="{NS}"><si><t>'.encode(), b"</t></si></sst>", b"a", 300
    )


def entity_bomb() -> bytes:
    """ "Billion laughs" inside the worksheet XML."""
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    xml = sheet_xml(
        [HEADER_CELLS, cell("A2", "&l9;") + cell("B2", "2024Q3") + cell("C2", "1")],
        prolog=f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>',
    )
    return workbook_with_sheet(xml)


def dimension_bomb() -> bytes:
    """Declares A1:XFD1048576 and holds a cell in the last row: 17 billion cells if
    every row were padded to the declared width."""
    rows = [HEADER_CELLS, cell("A2", STATIONS) + cell("B2", "2024Q3") + cell("C2", "1")]
    xml = sheet_xml(rows, dimension="A1:XFD1048576").replace(
        b"</sheetData>",
        b'<row r="1048576">' + cell("A1048576", "x").encode() + b"</row></sheetData>",
    )
    return workbook_with_sheet(xml)


def row_gap_bomb() -> bytes:
    """A row numbered one billion: openpyxl yields every missing row in between."""
    xml = sheet_xml([HEADER_CELLS]).replace(
        b"</sheetData>",
        b'<row r="1000000000">' + cell("A1000000000", "x").encode() + b"</row></sheetData>",
    )
    return workbook_with_sheet(xml)


def wide_rows_bomb() -> bytes:
    """Many rows each reaching column XFD (16,384 cells per row once padded)."""
    rows = [HEADER_CELLS] + [cell(f"XFD{i}", "1") for i in range(2, 5002)]
    return workbook_with_sheet(sheet_xml(rows))


def understated_dimension() -> tuple[bytes, int]:
    """Declares A1:C2 but holds 300 data rows: every row must be read, not the first."""
    rows = [HEADER_CELLS] + [
        cell(f"A{i}", STATIONS)
        + cell(f"B{i}", (date(2023, 1, 1) + timedelta(days=i)).isoformat())
        + f'<c r="C{i}"><v>{i}</v></c>'
        for i in range(2, 302)
    ]
    return workbook_with_sheet(sheet_xml(rows, dimension="A1:C2")), 300


def cached_formula_and_error_cells() -> bytes:
    """A formula with its cached result, a formula without one, error cells (#DIV/0!)."""
    rows = [
        HEADER_CELLS,
        cell("A2", STATIONS) + cell("B2", "2024Q1") + '<c r="C2"><f>1+1</f><v>2</v></c>',
        cell("A3", STATIONS) + cell("B3", "2024Q2") + '<c r="C3"><f>1/0</f></c>',
        cell("A4", STATIONS)
        + cell("B4", "2024Q3")
        + '<c r="C4" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
        cell("A5", STATIONS) + cell("B5", "2024Q4") + '<c r="C5" t="e"><v>#N/A</v></c>',
    ]
    return workbook_with_sheet(sheet_xml(rows))


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


TEN_MB = 10 * 1024 * 1024
WIDE = 10_000

# name, file name, bytes (or a function making them), expected: "refused", "rejected"
# (row errors, nothing written), "imported", or a function of the outcome.
CORPUS = [
    ("empty file", "e.csv", b"", "refused"),
    ("whitespace only", "w.csv", b" \r\n\t\n", "refused"),
    ("only a header", "h.csv", csv(), "refused"),
    ("only a header, xlsx", "h.xlsx", lambda: xlsx([["指标编码", "统计期", "数值"]]), "refused"),
    ("empty workbook", "e.xlsx", lambda: xlsx([]), "refused"),
    ("random bytes as csv", "r.csv", bytes(range(256)) * 64, "refused"),
    ("NUL bytes", "n.csv", csv(f"{STATIONS},371702,2024Q3,1\x00"), "refused"),
    (
        "UTF-16 (Excel 'Unicode text')",
        "u.txt",
        f"{HEADER}\n{STATIONS},371702,2024Q3,1\n".replace(",", "\t").encode("utf-16"),
        "refused",
    ),
    (
        "mixed UTF-8 and GBK",
        "m.csv",
        "指标编码,地区,统计期,数值\n".encode()
        + f"{STATIONS},牡丹区,2024年第三季度,1\n".encode("gbk"),
        "refused",
    ),
    (
        "GBK with a stray byte",
        "g.csv",
        f"{HEADER}\n{STATIONS},牡丹区,2024Q3,1\n".encode("gbk") + b"\x81\n",
        "refused",
    ),
    (
        "unbalanced quote",
        "q.csv",
        csv(f'{STATIONS},371702,2024Q3,"1', f"{STATIONS},371702,2024Q4,2"),
        "refused",
    ),
    ("quote inside a field", "q2.csv", csv(f'{STATIONS},371702,2024Q3,1"2'), "rejected"),
    ("more fields than headers", "f.csv", csv(f"{STATIONS},371702,2024Q3,1,extra,more"), None),
    (
        "10 MB cell of digits",
        "big.csv",
        lambda: csv(f"{STATIONS},371702,2024Q3,{'9' * TEN_MB}"),
        "rejected",
    ),
    ("10 MB cell of text", "bigt.csv", lambda: csv(f"{'x' * TEN_MB},371702,2024Q3,1"), "rejected"),
    (
        "10 MB header",
        "bigh.csv",
        lambda: csv(f"{STATIONS},371702,2024Q3,1", header=HEADER + "," + "h" * TEN_MB),
        "imported",
    ),
    (
        "ten thousand columns",
        "wide.csv",
        lambda: csv(
            f"{STATIONS},371702,2023Q2,5," + ",".join("1" * WIDE),
            header=HEADER + "," + ",".join(f"c{i}" for i in range(WIDE)),
        ),
        "imported",
    ),
    (
        "ten thousand columns, xlsx",
        "wide.xlsx",
        lambda: xlsx(
            [
                ["指标编码", "地区", "统计期", "数值", *[f"c{i}" for i in range(WIDE)]],
                [STATIONS, "371702", "2023Q3", 6, *[1] * WIDE],
            ]
        ),
        "imported",
    ),
    ("xlsx that is not a zip", "x.xlsx", b"just text, not a workbook", "refused"),
    (
        "truncated xlsx",
        "t.xlsx",
        lambda: xlsx([["指标编码", "统计期", "数值"], [STATIONS, "2024Q3", 1]])[:900],
        "refused",
    ),
    (
        "xlsx named .csv",
        "x.csv",
        lambda: xlsx([["指标编码", "统计期", "数值"], [STATIONS, "2024Q3", 1]]),
        "refused",
    ),
    ("zip bomb (1 GiB worksheet)", "bomb.xlsx", zip_bomb, "refused"),
    ("zip bomb (300 MB shared string)", "sst.xlsx", shared_strings_bomb, "refused"),
    ("XML entity bomb", "lol.xlsx", entity_bomb, "refused"),
    ("dimension bomb A1:XFD1048576", "dim.xlsx", dimension_bomb, "rejected"),
    ("row one billion", "gap.xlsx", row_gap_bomb, "refused"),
    ("5,000 rows reaching column XFD", "xfd.xlsx", wide_rows_bomb, "refused"),
    (
        "repeated headers, xlsx",
        "dup.xlsx",
        lambda: xlsx([["指标编码", "统计期", "数值", "数值"], [STATIONS, "2023Q4", 7, 8]]),
        "imported",
    ),
    ("formulas and error cells", "err.xlsx", cached_formula_and_error_cells, "rejected"),
    (
        "formula text in a csv",
        "fx.csv",
        csv(f"{STATIONS},371702,2024Q3,=1+1", '=HYPERLINK("x"),371702,2024Q3,1'),
        "rejected",
    ),
    ("#DIV/0! text", "div.csv", csv(f"{STATIONS},371702,2024Q3,#DIV/0!"), "rejected"),
    ("Excel serial date as period, csv", "s.csv", csv(f"{STATIONS},371702,45565,1"), "rejected"),
    (
        "Excel serial date as period, xlsx number",
        "s.xlsx",
        lambda: xlsx([["指标编码", "统计期", "数值"], [STATIONS, 45565, 1]]),
        "rejected",
    ),
    (
        "date cell as period, xlsx",
        "d.xlsx",
        lambda: xlsx([["指标编码", "统计期", "数值"], [STATIONS, datetime(2024, 9, 30), 3]]),
        "imported",
    ),
    ("1e309", "inf.csv", csv(f"{STATIONS},371702,2024Q3,1e309"), "rejected"),
    ("NaN", "nan.csv", csv(f"{STATIONS},371702,2024Q3,NaN"), "rejected"),
    (
        "-inf and Infinity",
        "inf2.csv",
        csv(f"{STATIONS},371702,2024Q3,-inf", f"{STATIONS},371702,2024Q4,Infinity"),
        "rejected",
    ),
    (
        "huge number as text",
        "ht.xlsx",
        lambda: xlsx([["指标编码", "统计期", "数值"], [STATIONS, "2024Q3", "1" + "0" * 400]]),
        "rejected",
    ),
    (
        "huge integer cell",
        "hi.xlsx",
        lambda: workbook_with_sheet(
            sheet_xml(
                [
                    HEADER_CELLS,
                    cell("A2", STATIONS)
                    + cell("B2", "2024Q3")
                    + f'<c r="C2"><v>1{"0" * 400}</v></c>',
                ]
            )
        ),
        "rejected",
    ),
    ("-0", "z.csv", csv(f"{STATIONS},371702,2022Q1,-0"), "imported"),
    (
        "full-width 20 digits",
        "fw.csv",
        csv(f"{STATIONS},371702,2022Q2,１２３４５６７８９０１２３４５６７８９０"),
        "imported",
    ),
    ("1e-400 (underflow)", "u.csv", csv(f"{STATIONS},371702,2022Q3,1e-400"), "imported"),
    (
        "percent over 100 and negative count",
        "p.csv",
        csv(f"{SHARE},,2024Q3,101%", f"{STATIONS},371702,2024Q3,-5"),
        "rejected",
    ),
    ("CR-only line ends", "cr.csv", f"{HEADER}\r{STATIONS},371702,2022Q4,4\r".encode(), "imported"),
    (
        "BOM twice",
        "bom.csv",
        "\ufeff\ufeff".encode() + csv(f"{STATIONS},371702,2024Q3,1"),
        None,
    ),
    ("unknown extension", "x.pdf", csv(f"{STATIONS},371702,2024Q3,1"), "refused"),
    ("no extension", "data", csv(f"{STATIONS},371702,2024Q3,1"), "refused"),
]


def _corpus_bytes(case) -> bytes:  # type: ignore[no-untyped-def]
    data = case[2]
    return data() if callable(data) else data


@pytest.mark.parametrize("case", CORPUS, ids=[c[0] for c in CORPUS])
def test_hostile_corpus(hostile_db, case):
    name, file_name, _data, expected = case
    data = _corpus_bytes(case)
    outcome = attempt(hostile_db, data, file_name, "corpus")
    refused = isinstance(outcome, Exception)
    if expected == "refused":
        assert refused, f"{name}: expected a refusal, got {outcome}"
    elif expected == "rejected":
        assert not refused and outcome.errors and not outcome.written, outcome
    elif expected == "imported":  # written now, or already by an earlier case
        assert not refused and not outcome.errors, outcome.errors[:3]
        assert outcome.inserted + outcome.updated + outcome.unchanged == outcome.rows


def _stored(db, indicator: str, end: date):  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return conn.execute(
            text(
                "SELECT value FROM observations WHERE indicator_id = :i AND region_code = '371702' "
                "AND period_end = :e"
            ),
            {"i": indicator, "e": end},
        ).scalar()


def test_hostile_values_that_import_keep_their_meaning(hostile_db):
    """-0 is 0, full-width digits are digits, an underflow is 0, a date cell is a day."""
    for rows, end, value in (
        ([f"{STATIONS},371702,2022Q1,-0"], date(2022, 3, 31), 0.0),
        (
            [f"{STATIONS},371702,2022Q2,１２３４５６７８９０１２３４５６７８９０"],
            date(2022, 6, 30),
            12345678901234567890.0,
        ),
        ([f"{STATIONS},371702,2022Q3,1e-400"], date(2022, 9, 30), 0.0),
    ):
        attempt(hostile_db, csv(*rows), "v.csv", "corpus")
        assert _stored(hostile_db, STATIONS, end) == value
    assert str(_stored(hostile_db, STATIONS, date(2022, 3, 31))) == "0.0"  # not -0.0


def test_a_workbook_that_understates_its_size_is_read_whole(hostile_db):
    data, rows = understated_dimension()
    report = attempt(hostile_db, data, "lie.xlsx", "corpus")
    assert not isinstance(report, Exception) and report.rows == rows
    assert report.inserted + report.updated + report.unchanged == rows


def test_formula_results_and_error_cells_are_named(hostile_db):
    report = attempt(hostile_db, cached_formula_and_error_cells(), "err.xlsx", "corpus")
    assert not report.written
    # row 2 (=1+1, cached 2) is fine; row 3 (no cached result) is blank: not reported
    assert sorted(e["row"] for e in report.errors) == [4, 5]
    assert {e["value"] for e in report.errors if e["row"] in (4, 5)} == {"#DIV/0!", "#N/A"}


def test_bombs_are_refused_fast(hostile_db):
    """A zip bomb is refused from its zip directory, before anything is inflated."""
    import time

    for make in (zip_bomb, shared_strings_bomb):
        data = make()
        began = time.monotonic()
        refusal = attempt(hostile_db, data, "bomb.xlsx", "corpus")
        assert isinstance(refusal, Exception) and time.monotonic() - began < 2
        assert "压缩" in str(refusal) and "expands" in str(refusal)


# --- through the command line: exit 0 or 1, a bilingual reason, never a traceback ---------------

CLI_CASES = [
    "empty file",
    "random bytes as csv",
    "NUL bytes",
    "unbalanced quote",
    "10 MB cell of digits",
    "ten thousand columns, xlsx",
    "xlsx that is not a zip",
    "zip bomb (1 GiB worksheet)",
    "XML entity bomb",
    "dimension bomb A1:XFD1048576",
    "formulas and error cells",
    "1e309",
]


@pytest.fixture(scope="module")
def cli_template(hostile_db, tmp_path_factory):
    """A database made by `python -m metrics init`, copied for each command-line case."""
    from tests.reliability_helpers import cli_env

    folder = tmp_path_factory.mktemp("cli")
    path = folder / "template.db"
    env = cli_env(hostile_db.folder / "config.yaml", sqlite_url(path))
    subprocess.run(
        [sys.executable, "-m", "metrics", "init"],
        env=env,
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return path


@pytest.mark.parametrize("name", CLI_CASES)
def test_hostile_files_through_the_cli(hostile_db, cli_template, tmp_path, name):
    from tests.reliability_helpers import cli_env, sqlite_copy

    case = next(c for c in CORPUS if c[0] == name)
    path = tmp_path / case[1]
    path.write_bytes(_corpus_bytes(case))
    db_path = tmp_path / "cli.db"
    sqlite_copy(cli_template, db_path)
    env = cli_env(hostile_db.folder / "config.yaml", sqlite_url(db_path))
    before = sqlite_dump(db_path)
    TRIED["cli"] += 1
    result = subprocess.run(
        [sys.executable, "-m", "metrics", "import", str(path)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIME_BOUND_S * 2,
    )
    output = result.stdout + result.stderr
    assert result.returncode in (0, 1), output[-2000:]
    assert "Traceback" not in output and "Internal error" not in output, output[-2000:]
    if result.returncode == 1:
        assert bilingual(result.stderr), result.stderr[-2000:]
        assert sqlite_dump(db_path) == before


# --- property-based: random, mis-encoded and structurally broken files ---------------------------

HOSTILE_SETTINGS = settings(
    max_examples=int(os.environ.get("METRICS_HOSTILE_EXAMPLES", "60")),
    deadline=timedelta(seconds=TIME_BOUND_S),
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
NAMES = st.sampled_from(["a.csv", "a.txt", "a.tsv", "a.xlsx", "a.xlsm", "a.CSV"])
ENCODINGS = [
    "utf-8",
    "utf-8-sig",
    "gbk",
    "gb18030",
    "utf-16",
    "utf-16-le",
    "big5",
    "shift_jis",
    "latin-1",
    "cp1252",
]

HOSTILE_CELLS = [
    "",
    " ",
    "1",
    "-0",
    "0",
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "1e-400",
    "１２３４５６７８９０１２３４５６７８９０",
    "３５．２％",
    "6.5万",
    "1,234",
    "1,2,3",
    "35%",
    "101%",
    "-5",
    "1000亿元",
    "12345个",
    "#DIV/0!",
    "#N/A",
    "#REF!",
    "=1+1",
    "+1",
    "@SUM(A1)",
    "'=1",
    "45565",
    "2024Q3",
    "2024-Q3",
    "2024年第三季度",
    "2024年",
    "2024-09-30",
    "2024-02-30",
    "0000Q0",
    "9999Q4",
    "2024Q5",
    '"',
    '""',
    '"quoted, comma"',
    "a\nb",
    "\t",
    "\x00",
    "\ufeff",
    "371702",
    "牡丹区",
    "Mudan",
    "999999",
    STATIONS,
    SHARE,
    LAUNCH,
    "heze",
    "指标编码",
    "ｈｅｚｅ",
]
CELL = st.one_of(
    st.sampled_from(HOSTILE_CELLS),
    st.text(max_size=30),
    st.from_regex(
        r"[-+]?[0-9０-９]{1,25}([.．][0-9]{0,5})?([eE][-+]?[0-9]{1,4})?[%万亿个]?", fullmatch=True
    ),
)
HEADERS = st.lists(
    st.sampled_from(
        [
            "指标编码",
            "indicator_id",
            "指标名称",
            "地区",
            "region",
            "统计期",
            "period",
            "数值",
            "value",
            "备注",
            "来源",
            "",
            "数值",
            "x",
        ]
    ),
    min_size=0,
    max_size=8,
)


@st.composite
def hostile_csv(draw) -> bytes:  # type: ignore[no-untyped-def]
    header = draw(HEADERS)
    width = max(len(header), 1)
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=width + 2), max_size=12))
    sep = draw(st.sampled_from([",", "\t", ";", ",\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    quote = draw(st.booleans())

    def line(cells: list[str]) -> str:
        if quote:
            cells = ['"' + c.replace('"', '""') + '"' for c in cells]
        return sep.join(cells)

    body = newline.join(line(r) for r in [header, *rows]) + draw(st.sampled_from(["", newline]))
    encoding = draw(st.sampled_from(ENCODINGS))
    return body.encode(encoding, errors=draw(st.sampled_from(["ignore", "replace"])))


XLSX_VALUES = st.one_of(
    CELL,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["=1/0", "=NA()", "=A1", "=SUM(C:C)"]),
)


@st.composite
def hostile_xlsx(draw) -> bytes:  # type: ignore[no-untyped-def]
    header = draw(HEADERS)
    rows = draw(st.lists(st.lists(XLSX_VALUES, max_size=len(header) + 2), max_size=8))
    clean = [[_xlsx_safe(v) for v in r] for r in [header, *rows]]
    formats = {}
    if clean and len(clean) > 1 and draw(st.booleans()):
        formats = {"C2": draw(st.sampled_from(["0%", "0.0%", "yyyy-mm-dd", "@", "0.00E+00"]))}
    return xlsx(clean, formats)


def _xlsx_safe(value):  # type: ignore[no-untyped-def]
    """openpyxl refuses control characters in cells: those are a CSV attack, not a workbook."""
    if isinstance(value, str):
        return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]", "", value)
    return value


def mutate(data: bytes, draw) -> bytes:  # type: ignore[no-untyped-def]
    """Flip, delete, duplicate or truncate a few spans of the bytes."""
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate"]))
        if op == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "truncate":
            del data[at:]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 256))]
    return bytes(data)


VALID_XLSX = None


@st.composite
def mutated_file(draw) -> tuple[bytes, str]:  # type: ignore[no-untyped-def]
    global VALID_XLSX
    if VALID_XLSX is None:
        VALID_XLSX = xlsx(
            [["指标编码", "地区", "统计期", "数值"], [STATIONS, "371702", "2024Q3", 1.5]]
        )
    if draw(st.booleans()):
        return mutate(VALID_XLSX, draw), "m.xlsx"
    sheet = f"{HEADER}\n{STATIONS},牡丹区,2024年第三季度,6.5万\n{SHARE},,2024Q3,35%\n"
    return mutate(sheet.encode(draw(st.sampled_from(["utf-8", "gbk", "utf-8-sig"]))), draw), "m.csv"


@HOSTILE_SETTINGS
@given(data=st.binary(max_size=4096), name=NAMES)
def test_random_bytes(hostile_db, data, name):
    attempt(hostile_db, data, name, "random bytes")


@HOSTILE_SETTINGS
@given(text_=st.text(max_size=300), encoding=st.sampled_from(ENCODINGS), name=NAMES)
def test_random_text_in_any_encoding(hostile_db, text_, encoding, name):
    attempt(
        hostile_db, (HEADER + "\n" + text_).encode(encoding, errors="replace"), name, "encodings"
    )


@HOSTILE_SETTINGS
@given(lines=st.lists(st.tuples(CELL, st.sampled_from(ENCODINGS)), min_size=1, max_size=8))
def test_mixed_encodings(hostile_db, lines):
    body = HEADER.encode() + b"\n"
    for value, encoding in lines:
        body += f"{STATIONS},牡丹区,2024年第三季度,{value}\n".encode(encoding, errors="replace")
    attempt(hostile_db, body, "mixed.csv", "mixed encodings")


@HOSTILE_SETTINGS
@given(data=hostile_csv())
def test_broken_csv_structure_and_hostile_cells(hostile_db, data):
    attempt(hostile_db, data, "h.csv", "hostile csv")


@HOSTILE_SETTINGS
@given(data=hostile_xlsx())
def test_hostile_workbooks(hostile_db, data):
    attempt(hostile_db, data, "h.xlsx", "hostile xlsx")


@HOSTILE_SETTINGS
@given(case=mutated_file())
def test_mutated_valid_files(hostile_db, case):
    data, name = case
    attempt(hostile_db, data, name, "mutated files")


@slow_variant
@settings(HOSTILE_SETTINGS, max_examples=2000, derandomize=False)
@given(data=st.one_of(hostile_csv(), hostile_xlsx(), st.binary(max_size=65536)), name=NAMES)
def test_many_more_hostile_files(hostile_db, data, name):
    attempt(hostile_db, data, name, "slow: mixed")


# --- the catalog: mangled YAML is valid or refused with every problem, never a traceback --------


def check_catalog_text(text_: str) -> None:
    """parse_catalog gives a Catalog or a CatalogError whose every problem is bilingual."""
    from metrics.catalog import Catalog, CatalogError, parse_catalog

    TRIED["catalog"] += 1
    try:
        with time_bound(TIME_BOUND_S):
            catalog = parse_catalog(text_)
    except CatalogError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert bilingual(problem.message), problem.message
            assert problem.line >= 0
        return
    assert isinstance(catalog, Catalog)


def check_validate_cli(path: Path) -> None:
    """`python -m metrics validate FILE` (in-process): exit 0 or 1, no traceback."""
    from cli import main

    out, err = io.StringIO(), io.StringIO()
    with time_bound(TIME_BOUND_S), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(path)])
    output = out.getvalue() + err.getvalue()
    assert code in (0, 1), output
    assert "Traceback" not in output and "Internal error" not in output, output
    assert bilingual(output), output


YAML_NOISE = st.text(
    alphabet=st.sampled_from(list(":{}[]&*!|>'\"%@`#-?, \t\n0123456789aZ中.~")),
    min_size=1,
    max_size=12,
)


@st.composite
def mangled_catalog(draw) -> str:  # type: ignore[no-untyped-def]
    lines = SMALL_CATALOG.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["noise", "delete", "swap", "duplicate", "indent", "scalar"]))
        i = draw(st.integers(0, len(lines) - 1))
        if op == "noise":
            line = lines[i]
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(YAML_NOISE) + line[at:]
        elif op == "delete":
            del lines[i : i + draw(st.integers(1, 5))]
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "indent":
            lines[i] = draw(st.sampled_from(["", " ", "  ", "\t", "      "])) + lines[i].lstrip(" ")
        else:
            key, sep, _rest = lines[i].partition(":")
            if sep:
                value = draw(
                    st.one_of(
                        YAML_NOISE,
                        st.sampled_from(
                            [
                                "",
                                "null",
                                "[]",
                                "{}",
                                "-1",
                                "1e999",
                                ".nan",
                                "2023-02-30",
                                "'371700'",
                                "~",
                                "!!binary aGk=",
                                "*undefined",
                            ]
                        ),
                    )
                )
                lines[i] = f"{key}: {value}\n"
        if not lines:
            break
    return "".join(lines)


@HOSTILE_SETTINGS
@given(text_=mangled_catalog())
def test_mangled_catalog_yaml(text_):
    check_catalog_text(text_)


@settings(HOSTILE_SETTINGS, max_examples=25)
@given(text_=mangled_catalog())
def test_mangled_catalog_through_validate(tmp_path_factory, text_):
    path = tmp_path_factory.mktemp("yaml") / "config.yaml"
    path.write_text(text_, encoding="utf-8")
    check_validate_cli(path)


@HOSTILE_SETTINGS
@given(data=st.binary(max_size=2048))
def test_catalog_file_of_random_bytes_through_validate(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("yaml") / "config.yaml"
    path.write_bytes(data)
    TRIED["catalog"] += 1
    check_validate_cli(path)


CATALOG_CORPUS = [
    ("empty", ""),
    ("a list", "- 1\n- 2\n"),
    ("a scalar", "42\n"),
    ("tabs", "regions:\n\t- a\n"),
    ("NUL", "regions: \x00\n"),
    ("python tag", "regions: !!python/object:os.system ls\n"),
    ("binary tag", "regions: !!binary aGVsbG8=\n"),
    ("set", "regions: !!set {a, b}\n"),
    ("unhashable key", "? [a, b]\n: 1\n"),
    ("duplicate keys", SMALL_CATALOG + "regions: []\n"),
    ("impossible date", SMALL_CATALOG.replace("2023-03-31", "2023-02-30")),
    ("regions not a list", "regions: 5\n"),
    ("children a string", "regions: [{code: '371700', name: x, children: abc}]\n"),
    ("settings a list", "settings: [1, 2]\n"),
    ("huge number", SMALL_CATALOG.replace("value: 35", "value: 1e999")),
    ("NaN target", SMALL_CATALOG.replace("value: 35", "value: .nan")),
    ("alias reused", "regions: &r [{code: '371700', name: x}]\nplans: [*r, *r]\n"),
    ("200 levels deep", "a: " + "[" * 200 + "]" * 200 + "\n"),
]


@pytest.mark.parametrize(("name", "text_"), CATALOG_CORPUS, ids=[c[0] for c in CATALOG_CORPUS])
def test_hostile_catalog_corpus(tmp_path, name, text_):
    check_catalog_text(text_)
    path = tmp_path / "config.yaml"
    path.write_text(text_, encoding="utf-8")
    check_validate_cli(path)


def _validate_in_subprocess(
    tmp_path: Path, text_: str, seconds: float = 60
) -> subprocess.CompletedProcess:
    """The real command, in a child limited to `seconds` and 2 GB."""
    path = tmp_path / "config.yaml"
    path.write_text(text_, encoding="utf-8")
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
    code = limit + "import sys; from cli import main; sys.exit(main(['validate', sys.argv[1]]))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("METRICS_DEBUG", None)
    try:
        return subprocess.run(
            [sys.executable, "-c", code, str(path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=seconds,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"validate still running after {seconds} s: a hang")


DEEP_YAML = "a: " + "[" * 5000 + "]" * 5000 + "\n"
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)


def test_deeply_nested_catalog_is_refused_with_a_reason(tmp_path):
    check_catalog_text(DEEP_YAML)


def test_alias_bomb_catalog_is_refused_quickly(tmp_path):
    result = _validate_in_subprocess(tmp_path, ALIAS_BOMB, seconds=20)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Internal error" not in result.stderr and bilingual(result.stderr)
