"""The catalog: config.yaml loads, its quotes are verbatim, and every error is named."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from metrics.catalog import CatalogError, load_catalog, parse_catalog
from tests.conftest import CONFIG, ROOT, SMALL_CATALOG, requires_seeds

STABLE_IDS = ROOT / "tests" / "catalog_ids.txt"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(CONFIG)


def test_config_loads_every_plan_with_indicators(catalog):
    assert len(catalog.plans) == 5
    for plan_id in catalog.plans:
        assert any(i.plan == plan_id for i in catalog.indicators.values()), plan_id


def test_every_quote_is_verbatim_in_its_plan(catalog):
    seeds = requires_seeds()
    texts = {
        plan.id: re.sub(r"\s+", "", (seeds / plan.source).read_text(encoding="utf-8"))
        for plan in catalog.plans.values()
    }
    missing = [
        ind.id
        for ind in catalog.indicators.values()
        if re.sub(r"\s+", "", ind.quote) not in texts[ind.plan]
    ]
    assert missing == []


def test_ids_are_stable():
    """An id once published keeps its stored observations: it may never disappear."""
    catalog = load_catalog(CONFIG)
    published = STABLE_IDS.read_text(encoding="utf-8").split()
    assert sorted(set(published) - set(catalog.indicators)) == []


def test_ids_are_unique_in_the_file():
    raw = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    ids = [i["id"] for i in raw["indicators"]]
    assert len(ids) == len(set(ids))


def _problems(text: str) -> list[str]:
    with pytest.raises(CatalogError) as info:
        parse_catalog(text, file="bad.yaml")
    return [str(p) for p in info.value.problems]


def _lines_of(text: str, needle: str) -> set[int]:
    return {n for n, line in enumerate(text.splitlines(), 1) if needle in line}


# (what is changed, replacement, words the message must contain, line marker)
CASES = [
    (
        "plan: heze-2023-digital-gov\n    name: 5G",
        "plan: heze-2099\n    name: 5G",
        "未知规划",
        "plan: heze-2099",
    ),
    (
        "id: heze-2023-digital-gov.base-stations",
        "id: heze-2023-digital-gov.data-service-share",
        "used twice",
        "data-service-share",
    ),
    (
        '{op: ">=", value: 1.2, by: 2025-12-31}',
        "{op: between, low: 8, by: 2025-12-31}",
        "between needs low and high",
        "op: between",
    ),
    (
        '{op: ">=", value: 1.2, by: 2025-12-31}',
        "{op: between, low: 10, high: 8, by: 2025-12-31}",
        "above its high",
        "op: between",
    ),
    (
        '{op: ">=", value: 35, by: 2023-12-31}',
        '{op: ">=", value: 35, by: 2021-12-31}',
        "before the baseline date",
        "value: 35",
    ),
    (
        '{op: ">=", value: 70, by: 2025-12-31}',
        '{op: ">=", value: 70, by: 2023-06-30}',
        "deadline order",
        "value: 70",
    ),
    (
        'region: "371700"\nindicators',
        'region: "379999"\nindicators',
        "Unknown region code",
        '"379999"',
    ),
    (
        'unit: "%"\n    kind: milestone',
        "unit: 个\n    kind: milestone",
        "milestone's unit",
        "unit: 个",
    ),
    ("domain: 数据资源", "domain: 大数据", "fixed vocabulary", "domain: 大数据"),
    ('{op: ">=", value: 70,', '{op: ">", value: 70,', "The op must be", "value: 70"),
    ('{op: ">=", value: 70,', '{op: ">=", value: 170,', "between 0 and 100", "value: 170"),
    ("kind: quantity", "kind: target", "quantity or milestone", "kind: target"),
    (
        "    responsible: [市工业和信息化局]\n",
        "    responsible: []\n",
        "responsible unit",
        "responsible: []",
    ),
    ("    quote: 5G基站1.2万个\n", "", "required field is missing", "base-stations"),
    (
        "    quote: 5G基站1.2万个\n",
        "    quote: 5G基站1.2万个\n    qoute: x\n",
        "Unknown field",
        "qoute",
    ),
    ("aggregate: sum", "aggregate: sum", None, None),  # control: unchanged text is valid
    (
        'unit: "%"\n    kind: quantity',
        'unit: "%"\n    aggregate: sum\n    kind: quantity',
        "cannot be summed",
        "aggregate: sum",
    ),
    ("issued: 2023-03-31", "issued: 2023-02-30", "Invalid date", "issued:"),
    (
        "id: heze-2023-digital-gov.platform-launch",
        "id: other.platform-launch",
        "must be “heze-2023-digital-gov.<short-name>”",
        "other.platform-launch",
    ),
    ("name: 5G基站数量", "name: 5G基站数量\n    name: 重复", "appears twice", "name: 重复"),
]


@pytest.mark.parametrize(("old", "new", "words", "marker"), CASES)
def test_each_error_is_named_with_its_line(old, new, words, marker):
    assert old in SMALL_CATALOG
    text = SMALL_CATALOG.replace(old, new, 1)
    if words is None:
        parse_catalog(text)
        return
    problems = _problems(text)
    matching = [p for p in problems if words in p]
    assert matching, problems
    lines = {int(p.split(":")[1]) for p in matching}
    assert lines & _lines_of(text, marker), (matching, marker)
    assert all(p.startswith("bad.yaml:") for p in problems)


def test_every_problem_is_reported_at_once():
    text = SMALL_CATALOG.replace("domain: 数据资源", "domain: 大数据").replace(
        "plan: heze-2023-digital-gov\n    name: 5G", "plan: nope\n    name: 5G"
    )
    problems = _problems(text)
    assert any("大数据" in p for p in problems) and any("nope" in p for p in problems)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("regions: [\n", "YAML syntax error"),
        ("- just a list\n", "top level must be a mapping"),
        ("regions: 5\n", "must be a list"),
    ],
)
def test_malformed_files(text, words):
    assert any(words in p for p in _problems(text))


def test_missing_file_is_a_problem_not_a_traceback(tmp_path: Path):
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path / "nope.yaml")
    assert "not found" in str(info.value)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metrics", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_validate_exit_codes(small_catalog_path: Path):
    ok = _cli("validate", str(CONFIG))
    assert ok.returncode == 0, ok.stderr
    assert "Catalog is valid" in ok.stdout
    small_catalog_path.write_text(SMALL_CATALOG.replace("domain: 数据资源", "domain: x"), "utf-8")
    bad = _cli("validate", str(small_catalog_path))
    assert bad.returncode == 1
    assert f"{small_catalog_path}:" in bad.stderr and "Traceback" not in bad.stderr
    assert _cli("validate", "--nope").returncode == 2


def test_cli_catalog_json_contract():
    import json

    out = _cli("catalog", "--json", "--config", str(CONFIG))
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    keys = {
        "id",
        "plan",
        "doc_no",
        "region",
        "region_name",
        "name",
        "name_en",
        "domain",
        "unit",
        "kind",
        "cumulative",
        "recurring",
        "baseline",
        "targets",
        "responsible",
        "clause",
        "quote",
    }
    assert records and all(keys <= set(r) for r in records)
    assert all(
        {"op", "value", "low", "high", "by"} <= set(s) for r in records for s in r["targets"]
    )


def test_counts_of_enterprises_are_whole_enterprises():
    """上云企业 is counted in 家, not 千家: an analyst types 1800 for 1,800 companies, and the
    plan's "2千家" is the target 2000 (issue 17, item 11)."""
    from metrics.values import parse_value

    catalog = load_catalog(CONFIG)
    assert not [i.id for i in catalog.indicators.values() if i.unit.startswith("千")]
    cloud = catalog.indicators["jining-2020-smart-city.cloud-enterprises"]
    assert cloud.unit == "家" and cloud.targets[0].value == 2000
    assert parse_value("1800", cloud.unit) == 1800
    assert parse_value("1.8千家", cloud.unit) == 1800


YAML_SHAPES = [
    "a: 1\nb: [x, 2.5, true, null, 2024-01-31, 2023-02-30]\nc: {d: '3', e: ~}\n",
    "x: &a [1, {k: v}]\ny: *a\n",  # an alias is the same object
    "base: &b {k: 1}\nother:\n  <<: *b\n  j: 2\n",  # merge keys: PyYAML's constructor
    "1: a\ntrue: b\n2024-01-01: c\nnull: d\n",
    "a: !!binary aGVsbG8=\nb: !!set {x, y}\n",
    "a: 1\na: 2\n",
    "a: &x\n  b: *x\n",  # recursive
    "a: " + "[" * 150 + "]" * 150 + "\n",  # deeper than the one-pass build goes
]


@pytest.mark.parametrize("text", YAML_SHAPES)
def test_the_one_pass_build_gives_what_pyyaml_builds(text):
    """metrics.catalog builds the data in one pass over the node tree (counting nodes and
    noticing repeated keys, so the line locator is walked only when a problem needs a
    line); anything it does not handle is left to PyYAML's constructor. Either way the data
    is PyYAML's."""
    from metrics.catalog import _Loader, _parse_yaml

    root, data, _ = _parse_yaml(text)
    expected = yaml.load(text, Loader=_Loader)  # noqa: S506 (the safe loader)
    assert repr(data) == repr(expected)
    if isinstance(data, dict) and "y" in data:
        assert data["x"] is data["y"]


def test_a_repeated_key_and_an_alias_bomb_are_named_as_before():
    text = SMALL_CATALOG + "plans: []\n"  # the second plans: wins, as in PyYAML
    problems = _problems(text)
    assert any(
        "appears twice" in p and p.startswith(f"bad.yaml:{len(SMALL_CATALOG.splitlines()) + 1}:")
        for p in problems
    ), problems
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        bomb += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    assert any("500" in p and "bad.yaml:1:" in p for p in _problems(bomb)), _problems(bomb)
