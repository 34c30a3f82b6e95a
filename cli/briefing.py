"""`briefing` and `notices`: the quarterly 通报 and the warning notices as Word files.

python -m metrics briefing --period 2026Q3 [--city 371700] [--lang en] [--out 通报.docx] [--pdf]
python -m metrics notices --period 2026Q3 [--city 371700] [--lang en] --out DIR
"""

from __future__ import annotations

import argparse
from pathlib import Path

from db.connect import open_database
from db.remedies import briefing_facts
from metrics.briefing import build_briefing, build_notices, find_converter, scope_rows, to_pdf
from metrics.catalog import Catalog, load_catalog
from metrics.errors import InvalidInput
from metrics.i18n import both, t
from metrics.periods import Period, PeriodError, parse_period


def briefing_period(text: str) -> Period:
    """A quarter or a year (what a briefing covers); anything else is refused with how."""
    try:
        period = parse_period(text)
    except PeriodError:
        raise InvalidInput(both("brief.bad_period", value=text)) from None
    if period.kind not in ("quarter", "year"):
        raise InvalidInput(both("brief.bad_period", value=text))
    return period


def briefing_city(catalog: Catalog, code: str | None) -> str | None:
    """A city-level region code of the catalog, or None for all cities."""
    if code is None:
        return None
    info = catalog.regions.get(code)
    if info is None or info.parent is not None:
        raise InvalidInput(both("brief.unknown_city", city=code))
    return code


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--period", required=True, help="a quarter (2026Q3) or a year (2026)")
    p.add_argument("--city", help="only this city (region code, e.g. 371700)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language (default zh)")


def _open(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    catalog = load_catalog(getattr(args, "config", None))
    period = briefing_period(args.period)
    city = briefing_city(catalog, args.city)
    db = open_database(catalog)
    return db, briefing_facts(db, period), city


def cmd_briefing(args: argparse.Namespace) -> int:
    if args.pdf and find_converter() is None:  # before any work: nothing half-written
        raise InvalidInput(both("brief.no_pdf"))
    db, facts, city = _open(args)
    data = build_briefing(facts, db.catalog, city, args.lang)
    out = Path(args.out or t("brief.file", args.lang, period=facts.period.label) + ".docx")
    out.write_bytes(data)
    scope = scope_rows(facts, db.catalog, city)
    print(both("brief.wrote", path=out, n=len(scope.rows), lagging=len(scope.lagging)))
    if args.pdf:
        pdf = out.with_suffix(".pdf")
        pdf.write_bytes(to_pdf(data))
        print(both("brief.wrote_pdf", path=pdf))
    return 0


def cmd_notices(args: argparse.Namespace) -> int:
    db, facts, city = _open(args)
    notices = build_notices(facts, db.catalog, city, args.lang)
    if not notices:
        print(both("notice.none"))
        return 0
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in notices.items():
        (folder / name).write_bytes(data)
    print(both("notice.wrote", n=len(notices), dir=folder))
    return 0


def register(sub, db_command) -> None:  # type: ignore[no-untyped-def]
    """The two commands on the CLI's parser (cli.app)."""
    p = db_command("briefing", "季度通报 / the quarterly briefing (.docx)", cmd_briefing)
    add_arguments(p)
    p.add_argument("--out", help="file to write (default: 智慧城市目标进展通报_PERIOD.docx)")
    p.add_argument("--pdf", action="store_true", help="also a PDF (needs LibreOffice)")
    p = db_command("notices", "预警通知单 / one warning notice per unit (.docx)", cmd_notices)
    add_arguments(p)
    p.add_argument("--out", required=True, help="folder for the notices")
