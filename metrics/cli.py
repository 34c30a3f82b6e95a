"""Command line: validate and print the catalog, and (through db/) init, import, status…

Exit codes follow DESIGN.md: 0 success, 1 invalid input (reasons printed), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from metrics.catalog import Catalog, CatalogError, load_catalog
from metrics.i18n import TEXT, both

TEXT.update(
    {
        "cli.valid": (
            "目录有效：{plans}个规划，{indicators}个指标，{regions}个地区",
            "Catalog is valid: {plans} plans, {indicators} indicators, {regions} regions",
        ),
        "cli.problems": ("目录有 {n} 处问题：", "The catalog has {n} problem(s):"),
    }
)

Handler = Callable[[argparse.Namespace], int]


def _print_problems(exc: CatalogError) -> None:
    print(both("cli.problems", n=len(exc.problems)), file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)


def _catalog(path: str | None = None) -> Catalog:
    return load_catalog(path)


def cmd_validate(args: argparse.Namespace) -> int:
    catalog = _catalog(args.path)
    print(
        both(
            "cli.valid",
            plans=len(catalog.plans),
            indicators=len(catalog.indicators),
            regions=len(catalog.regions),
        )
    )
    return 0


def _stage_text(stage: dict, unit: str) -> str:
    if stage["op"] == "between":
        return f"{stage['low']:g}–{stage['high']:g}{unit} by {stage['by']}"
    return f"{stage['op']} {stage['value']:g}{unit} by {stage['by']}"


def cmd_catalog(args: argparse.Namespace) -> int:
    records = _catalog(args.config).to_records()
    if args.json:
        json.dump(records, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    for r in records:
        stages = "; ".join(_stage_text(s, r["unit"]) for s in r["targets"])
        print(f"{r['id']}\t{r['region_name']}\t{r['name']}\t{stages}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m metrics",
        description="智慧城市目标跟踪 / Smart-city target tracker",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="检查目录 / check the catalog")
    p.add_argument("path", nargs="?", help="catalog file (default: METRICS_CONFIG or config.yaml)")
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("catalog", help="列出指标 / list the indicators")
    p.add_argument("--json", action="store_true", help="one JSON object per indicator")
    p.add_argument("--config", help="catalog file")
    p.set_defaults(handler=cmd_catalog)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except CatalogError as exc:
        _print_problems(exc)
        return 1
