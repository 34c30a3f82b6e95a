"""A seeded, deterministic province-scale catalog and data set for the benchmark.

The catalog is one province (山东省, 370000) with its 16 cities and 7–11 counties per
city (~145 counties), five province-wide plans whose indicators every county reports,
and one plan per city whose indicators that city's counties report: 266 indicators
of every shape the engine knows (shares, counts summed over counties, milestones,
"at most" targets, ranges, "about" targets, yearly recurring targets).

The data set is `counties × indicators × quarters`: ten years of quarters
(2015Q1–2024Q4), one quarterly sheet after another (quarter, then county, then
indicator), as a province would concatenate its quarterly returns. For N rows the
first ceil(N / 40) (indicator, county) pairs are used over the 40 quarters, and the
last quarter is cut at N rows (a quarter not fully reported yet).

Beyond what quarters can hold (about 1,000,000 rows), the province reports monthly, as
issue 19's ten million observations do: 120 months (2015-01 … 2024-12) and as many
province indicators per plan as N needs (at N = 10,000,000: 116 per plan, 676 in all).
Up to the quarterly capacity the files are exactly those of before.

Everything is drawn from numpy's PCG64 seeded with `seed`: the same N and seed give
byte-identical files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

PROVINCE = ("370000", "山东省", "Shandong")
CITIES = [
    ("370100", "济南市", "Jinan"),
    ("370200", "青岛市", "Qingdao"),
    ("370300", "淄博市", "Zibo"),
    ("370400", "枣庄市", "Zaozhuang"),
    ("370500", "东营市", "Dongying"),
    ("370600", "烟台市", "Yantai"),
    ("370700", "潍坊市", "Weifang"),
    ("370800", "济宁市", "Jining"),
    ("370900", "泰安市", "Tai'an"),
    ("371000", "威海市", "Weihai"),
    ("371100", "日照市", "Rizhao"),
    ("371300", "临沂市", "Linyi"),
    ("371400", "德州市", "Dezhou"),
    ("371500", "聊城市", "Liaocheng"),
    ("371600", "滨州市", "Binzhou"),
    ("371700", "菏泽市", "Heze"),
]
PROVINCE_PLANS = [
    ("sd-2016-digital-infra", "数字基础设施", "山东省新型数字基础设施建设方案"),
    ("sd-2016-data-resources", "数据资源", "山东省公共数据资源开发利用方案"),
    ("sd-2016-gov-services", "政务服务", "山东省一网通办建设方案"),
    ("sd-2016-city-governance", "城市治理", "山东省新型智慧城市建设方案"),
    ("sd-2016-digital-economy", "数字经济", "山东省数字经济发展规划"),
]
PROVINCE_INDICATORS_PER_PLAN = 34
CITY_INDICATORS = 6
QUARTERS = 40  # 2015Q1 … 2024Q4
MONTHS = 120  # 2015-01 … 2024-12, when N is beyond what quarters hold
FIRST_YEAR = 2015
SOURCES = ("统计局", "大数据局", "工信局", "")

# What a target looks like: (name, name_en, unit, shape). Names carry the dashboard's
# comparison keywords (5G, 智慧社区, 政务云 …) so the overview draws its comparisons.
TOPICS = [
    ("5G基站数量", "5G base stations", "万个", "count_sum"),
    ("智慧社区覆盖率", "Smart community coverage", "%", "share"),
    ("政务云资源利用率", "Government cloud utilisation", "%", "share"),
    ("一网通办事项比例", "Share of services on one-network government services", "%", "share"),
    ("城市大脑建设", "City brain built", "%", "milestone"),
    ("视频监控联网数", "Networked video surveillance cameras", "个", "count_sum"),
    ("IPv6活跃用户占比", "IPv6 active users share", "%", "share"),
    ("信用信息归集量", "Credit records collected", "万条", "count_sum"),
    ("数字经济核心产业增加值", "Digital economy core industries value added", "亿元", "count_sum"),
    ("智慧医院数量", "Smart hospitals", "家", "range"),
    ("一码通应用场景", "One-code access scenarios", "个", "recurring"),
    ("政务服务平均办理时长", "Average processing time of services", "天", "at_most"),
    ("数据共享平台上线", "Data sharing platform launched", "%", "milestone"),
    ("重点场所物联感知设备", "IoT sensors at key sites", "个", "about"),
    ("智慧农业应用基地", "Smart-agriculture application bases", "个", "count_sum"),
]


@dataclass(frozen=True)
class Synthetic:
    """The files written and the shape of what is in them."""

    catalog_path: Path
    csv_path: Path
    rows: int
    indicators: int
    counties: int
    quarters: int  # periods in the file (quarters, or months beyond the quarterly capacity)
    pairs: int  # (indicator, county) pairs used


def _regions(rng: np.random.Generator) -> tuple[list[dict], dict[str, list[str]]]:
    per_city = rng.integers(7, 12, size=len(CITIES))
    children: dict[str, list[str]] = {}
    cities = []
    for (code, name, name_en), n in zip(CITIES, per_city, strict=True):
        kids = [f"{code[:4]}{k:02d}" for k in range(1, int(n) + 1)]
        children[code] = kids
        cities.append(
            {
                "code": code,
                "name": name,
                "name_en": name_en,
                "children": [
                    {"code": c, "name": f"{name}第{k:02d}区", "name_en": f"{name_en} D{k:02d}"}
                    for k, c in enumerate(kids, start=1)
                ],
            }
        )
    province = {"code": PROVINCE[0], "name": PROVINCE[1], "name_en": PROVINCE[2]}
    province["children"] = cities
    return [province], children


def _indicator(
    rng: np.random.Generator, plan: str, domain: str, seq: int, who: str, prefix: str
) -> dict:
    name, name_en, unit, shape = TOPICS[int(rng.integers(len(TOPICS)))]
    ind: dict = {
        "id": f"{plan}.i{seq:03d}",
        "plan": plan,
        "name": f"{prefix}{name}（{seq:03d}）",
        "name_en": f"{name_en} ({seq:03d})",
        "domain": domain,
        "unit": unit,
        "kind": "quantity",
    }
    mid, final = "2020-12-31", "2025-12-31"
    if shape == "share":
        base = float(rng.integers(10, 40))
        ind["baseline"] = {"value": base, "date": "2015-12-31"}
        ind["targets"] = [
            {"op": ">=", "value": float(rng.integers(45, 70)), "by": mid},
            {"op": ">=", "value": float(rng.integers(75, 99)), "by": final},
        ]
    elif shape == "count_sum":
        ind["aggregate"] = "sum"
        ind["cumulative"] = True
        ind["targets"] = [{"op": ">=", "value": float(rng.integers(500, 5000)), "by": final}]
    elif shape == "milestone":
        ind["kind"] = "milestone"
        ind["targets"] = [
            {"op": ">=", "value": 100.0, "by": f"{int(rng.integers(2018, 2026))}-12-31"}
        ]
    elif shape == "range":
        low = float(rng.integers(5, 20))
        ind["targets"] = [{"op": "between", "low": low, "high": low + 5, "by": final}]
    elif shape == "recurring":
        ind["recurring"] = "yearly"
        ind["targets"] = [{"op": ">=", "value": float(rng.integers(20, 60)), "by": final}]
    elif shape == "at_most":
        ind["baseline"] = {"value": float(rng.integers(10, 20)), "date": "2015-12-31"}
        ind["targets"] = [
            {"op": "<=", "value": 8.0, "by": mid},
            {"op": "<=", "value": float(rng.integers(2, 6)), "by": final},
        ]
    else:  # about
        ind["targets"] = [{"op": "==", "value": float(rng.integers(8, 15)), "by": final}]
    ind["responsible"] = [who]
    ind["quote"] = f"到2025年，{name}达到目标（合成数据 / synthetic）"
    return ind


def build_catalog(
    seed: int = 20240930, per_plan: int = PROVINCE_INDICATORS_PER_PLAN
) -> tuple[dict, list[tuple[str, list[str]]]]:
    """The catalog as a YAML-ready dict, and each indicator with the counties reporting it."""
    rng = np.random.default_rng(seed)
    regions, children = _regions(rng)
    counties = [c for code, _, _ in CITIES for c in children[code]]
    plans, indicators, reporters = [], [], []
    units = ("省大数据局", "省工业和信息化厅", "省发展改革委", "省政务服务管理办公室")
    for k, (pid, domain, title) in enumerate(PROVINCE_PLANS):
        plans.append(
            {
                "id": pid,
                "title": title,
                "doc_no": f"鲁政办字〔2016〕{k + 11}号",
                "issuer": "山东省人民政府办公厅",
                "issued": f"2016-0{k + 3}-15",
                "region": PROVINCE[0],
            }
        )
        for seq in range(1, per_plan + 1):
            ind = _indicator(rng, pid, domain, seq, units[seq % len(units)], "全省")
            indicators.append(ind)
            reporters.append((ind["id"], counties))
    for code, name, name_en in CITIES:
        pid = f"c{code}-2016-smart-city"
        plans.append(
            {
                "id": pid,
                "title": f"{name}新型智慧城市建设行动计划",
                "title_en": f"{name_en} smart city action plan",
                "doc_no": f"{name[:2]}政办字〔2016〕{int(code[2:4])}号",
                "issuer": f"{name}人民政府办公室",
                "issued": "2016-06-30",
                "region": code,
            }
        )
        for seq in range(1, CITY_INDICATORS + 1):
            ind = _indicator(rng, pid, "总体目标", seq, f"{name[:2]}市大数据局", name)
            indicators.append(ind)
            reporters.append((ind["id"], children[code]))
    catalog = {
        "settings": {"database_url": "sqlite:///bench.db"},
        "regions": regions,
        "plans": plans,
        "indicators": indicators,
    }
    return catalog, reporters


def _values(
    rng: np.random.Generator, ind: dict, n_pairs: int, periods: int = QUARTERS
) -> np.ndarray:
    """A (pairs × periods) block of plausible values in the indicator's unit."""
    per_quarter = periods // QUARTERS  # 1 for quarters, 3 for months
    q = np.arange(periods, dtype=float)[None, :] / per_quarter
    noise = rng.normal(0.0, 1.0, size=(n_pairs, periods))
    shape_unit = (ind["kind"], ind["unit"], ind.get("recurring"), ind["targets"][-1]["op"])
    if ind["kind"] == "milestone":
        start = rng.uniform(0, 20, size=(n_pairs, 1))
        speed = rng.uniform(1.0, 4.0, size=(n_pairs, 1))
        out = np.clip(start + speed * q + noise, 0, 100)
    elif shape_unit[2] == "yearly":
        rate = rng.uniform(2, 8, size=(n_pairs, 1))
        out = np.maximum(rate * (q % 4 + 1) + noise, 0)  # year-to-date (q: quarters)
    elif ind["unit"] == "%":
        start = rng.uniform(5, 40, size=(n_pairs, 1))
        speed = rng.uniform(0.5, 2.0, size=(n_pairs, 1))
        out = np.clip(start + speed * q + noise, 0, 100)
    elif shape_unit[3] == "<=":
        start = rng.uniform(10, 25, size=(n_pairs, 1))
        out = np.maximum(
            start * np.exp(-q / rng.uniform(15, 60, size=(n_pairs, 1))) + noise * 0.2, 0
        )
    elif shape_unit[3] in ("between", "=="):
        out = np.maximum(rng.uniform(3, 15, size=(n_pairs, 1)) + q * 0.1 + noise * 0.5, 0)
    else:  # counts and amounts summed over counties
        scale = 0.02 if ind["unit"] == "万个" else 1.0
        start = rng.uniform(10, 200, size=(n_pairs, 1)) * scale
        speed = rng.uniform(0.5, 6.0, size=(n_pairs, 1)) * scale
        out = np.maximum(start + speed * q + noise * scale, 0)
    digits = 0 if ind["unit"] in ("个", "家") else 2
    return np.round(out, digits)


def _capacity(per_plan: int) -> int:
    """(indicator, county) pairs the catalog holds: province plans × every county, plus each
    city plan × its counties (the counties drawn in build_catalog)."""
    rng = np.random.default_rng(20240930)
    counties = int(rng.integers(7, 12, size=len(CITIES)).sum())
    return len(PROVINCE_PLANS) * per_plan * counties + CITY_INDICATORS * counties


def _periods(observations: int) -> int:
    """Quarters while they hold N rows, else months."""
    return (
        QUARTERS if observations <= QUARTERS * _capacity(PROVINCE_INDICATORS_PER_PLAN) else MONTHS
    )


def _per_plan(observations: int) -> int:
    """Province indicators per plan: the usual 34, or as many as monthly N rows need."""
    if _periods(observations) == QUARTERS:
        return PROVINCE_INDICATORS_PER_PLAN
    pairs = math.ceil(observations / MONTHS)
    counties = _capacity(1) // (len(PROVINCE_PLANS) + CITY_INDICATORS)
    need = math.ceil((pairs - CITY_INDICATORS * counties) / (len(PROVINCE_PLANS) * counties))
    return max(PROVINCE_INDICATORS_PER_PLAN, need)


def build_rows(
    observations: int, seed: int, catalog: dict, reporters: list[tuple[str, list[str]]]
) -> pd.DataFrame:
    """The N-row sheet as a frame in file order (quarter, then county, then indicator)."""
    rng = np.random.default_rng(seed + 1)
    by_id = {ind["id"]: ind for ind in catalog["indicators"]}
    periods = _periods(observations)
    pairs_needed = max(1, math.ceil(observations / periods))
    ids, regs, blocks = [], [], []
    for ind_id, counties in reporters:
        take = counties[: pairs_needed - len(ids)]
        if not take:
            break
        ids += [ind_id] * len(take)
        regs += take
        blocks.append(_values(rng, by_id[ind_id], len(take), periods))
    values = np.concatenate(blocks)  # pairs × quarters
    n_pairs = len(ids)
    city_of = {
        kid["code"]: city["name"]
        for city in catalog["regions"][0]["children"]
        for kid in city["children"]
    }
    src = np.array(
        [
            f"{city_of[r][:-1]}{SOURCES[i % len(SOURCES)]}" if SOURCES[i % len(SOURCES)] else ""
            for i, r in enumerate(regs)
        ],
        dtype=object,
    )
    # file order: quarter, then county, then indicator
    order = np.lexsort((np.array(ids), np.array(regs)))
    if periods == QUARTERS:
        labels = [f"{FIRST_YEAR + k // 4}Q{k % 4 + 1}" for k in range(QUARTERS)]
    else:
        labels = [f"{FIRST_YEAR + k // 12}-{k % 12 + 1:02d}" for k in range(periods)]
    pair_idx = np.tile(order, periods)[:observations]
    quarter = np.repeat(np.arange(periods), n_pairs)[:observations]
    return pd.DataFrame(
        {
            "指标编码": pd.Categorical(np.array(ids, dtype=object)[pair_idx]),
            "地区": pd.Categorical(np.array(regs, dtype=object)[pair_idx]),
            "统计期": pd.Categorical.from_codes(quarter, categories=labels),
            "数值": values[pair_idx, quarter],
            "备注": "",
            "来源": pd.Categorical(src[pair_idx]),
        }
    )


def generate(observations: int, folder: Path, seed: int = 20240930) -> Synthetic:
    """Write catalog.yaml and observations.csv (UTF-8, Chinese headers) into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    catalog, reporters = build_catalog(seed, _per_plan(observations))
    catalog_path = folder / "catalog.yaml"
    catalog_path.write_text(
        yaml.safe_dump(catalog, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8"
    )
    frame = build_rows(observations, seed, catalog, reporters)
    csv_path = folder / f"observations_{observations}.csv"
    frame.to_csv(csv_path, index=False, float_format="%.10g", lineterminator="\n")
    pairs = frame[["指标编码", "地区"]].drop_duplicates()
    return Synthetic(
        catalog_path=catalog_path,
        csv_path=csv_path,
        rows=len(frame),
        indicators=len(catalog["indicators"]),
        counties=sum(len(c["children"]) for c in catalog["regions"][0]["children"]),
        quarters=int(frame["统计期"].nunique()),
        pairs=len(pairs),
    )
