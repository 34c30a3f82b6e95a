"""Shared fixtures: paths, a small catalog, and a fresh database per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
CONFIG = ROOT / "config.yaml"

SMALL_CATALOG = """\
regions:
  - code: "371700"
    name: 菏泽市
    name_en: Heze
    children:
      - {code: "371702", name: 牡丹区, name_en: Mudan}
      - {code: "371721", name: 曹县, name_en: Caoxian}
plans:
  - id: heze-2023-digital-gov
    title: 菏泽市数字政府建设实施方案
    doc_no: 菏政字〔2023〕9号
    issuer: 菏泽市人民政府
    issued: 2023-03-31
    region: "371700"
indicators:
  - id: heze-2023-digital-gov.data-service-share
    plan: heze-2023-digital-gov
    name: 一体化大数据平台统一提供数据服务的比例
    name_en: Share of data services provided through the unified platform
    domain: 数据资源
    unit: "%"
    kind: quantity
    baseline: {value: 20, date: 2022-12-31}
    targets:
      - {op: ">=", value: 35, by: 2023-12-31}
      - {op: ">=", value: 70, by: 2025-12-31}
    responsible: [市大数据局]
    clause: 三、（三）2.
    quote: 2023年年底前比例达到35%以上
  - id: heze-2023-digital-gov.base-stations
    plan: heze-2023-digital-gov
    name: 5G基站数量
    name_en: 5G base stations
    domain: 数字基础设施
    unit: 万个
    aggregate: sum
    targets:
      - {op: ">=", value: 1.2, by: 2025-12-31}
    responsible: [市工业和信息化局]
    quote: 5G基站1.2万个
  - id: heze-2023-digital-gov.platform-launch
    plan: heze-2023-digital-gov
    name: 政务云平台上线
    name_en: Government cloud platform launched
    domain: 政务服务
    unit: "%"
    kind: milestone
    targets:
      - {op: ">=", value: 100, by: 2023-12-31}
    responsible: [市大数据局]
    quote: 2023年年底前建成政务云平台
"""


def requires_seeds() -> Path:
    """The plan texts; CI must have them, a bare checkout may not."""
    if not SEEDS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"plan texts not found at {SEEDS}")
        pytest.skip(f"plan texts not found at {SEEDS}")
    return SEEDS


@pytest.fixture
def small_catalog_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(SMALL_CATALOG, encoding="utf-8")
    return path
