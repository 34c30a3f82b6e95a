"""Command line: validate and print the catalog, and (through db/) init, import, status…

Exit codes follow DESIGN.md: 0 success, 1 invalid input (reasons printed), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

from metrics.catalog import Catalog, CatalogError, load_catalog
from metrics.i18n import both

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


class UsageError(Exception):
    """Bad input to a command that argparse cannot see (exit 1 with the reason)."""


def _database(args: argparse.Namespace, sync: bool = True):  # type: ignore[no-untyped-def]
    from db.engine import open_database

    return open_database(_catalog(getattr(args, "config", None)), sync=sync)


def _actor(db, name: str | None):  # type: ignore[no-untyped-def]
    from db.accounts import get_actor
    from db.permissions import LOCAL_OPERATOR

    if name is None:
        return LOCAL_OPERATOR
    actor = get_actor(db, name)
    if actor is None:
        raise UsageError(both("cli.unknown_user", user=name))
    return actor


def cmd_init(args: argparse.Namespace) -> int:
    from db.migrations import migrate
    from db.sync import sync_catalog

    db = _database(args, sync=False)
    version = migrate(db)
    result = sync_catalog(db, _actor(db, args.user))
    url = db.engine.url.render_as_string(hide_password=True)
    print(
        both(
            "cli.init",
            url=url,
            version=version,
            added=result.added,
            changed=result.changed,
            retired=result.retired,
            unchanged=result.unchanged,
        )
    )
    return 0


def _read_file(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except (FileNotFoundError, IsADirectoryError):
        raise UsageError(both("cli.file_missing", path=path)) from None


def _print_summary(report) -> None:  # type: ignore[no-untyped-def]
    print(
        both(
            "cli.import",
            file=report.file,
            rows=report.rows,
            inserted=report.inserted,
            updated=report.updated,
            unchanged=report.unchanged,
            errors=len(report.errors),
        )
    )


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from db.writes import import_file

    db = _database(args)
    data = _read_file(args.file)
    report = import_file(
        db,
        data,
        Path(args.file).name,
        _actor(db, args.user),
        dry_run=args.dry_run,
        skip_invalid=args.skip_invalid,
    )
    failed = bool(report.errors) and not report.written and not (args.skip_invalid and args.dry_run)
    if args.json:
        json.dump(report.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 1 if failed else 0
    _print_summary(report)
    for e in report.errors:
        print(
            f"  第{e['row']}行 row {e['row']} [{e['column']}] “{_short(e['value'])}”: "
            f"{e['message']}"
        )
    if args.dry_run:
        print(both("cli.import_dry"))
    elif failed:
        print(both("cli.import_refused"), file=sys.stderr)
    elif report.written:
        print(both("cli.import_written", id=report.import_id))
    else:
        print(both("cli.import_nothing"))
    return 1 if failed else 0


def _short(text: object, limit: int = 80) -> str:
    """A raw cell as printed in a report line: a 10 MB cell must not flood the terminal."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f"…(+{len(text) - limit})"


def cmd_undo(args: argparse.Namespace) -> int:
    from db.writes import undo_import

    db = _database(args)
    try:
        r = undo_import(db, args.import_id, _actor(db, args.user))
    except LookupError as exc:
        raise UsageError(str(exc.args[0])) from None
    print(both("cli.undo", id=r.import_id, restored=r.restored, deleted=r.deleted, kept=r.kept))
    return 0


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    return "xlsx" if (args.out or "").lower().endswith(".xlsx") else "csv"


def _check_sheet_args(args: argparse.Namespace) -> None:
    """Excel is binary: it goes to a file, never to the terminal."""
    if _format(args) == "xlsx" and args.out is None:
        raise UsageError(both("cli.xlsx_needs_out"))


def _write_sheet(frame, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    from metrics.exports import to_csv_bytes, to_xlsx_bytes

    data = to_xlsx_bytes(frame) if _format(args) == "xlsx" else to_csv_bytes(frame)
    if args.out is None:
        sys.stdout.buffer.write(data)
        return
    with open(args.out, "wb") as fh:
        fh.write(data)
    print(both("cli.wrote", path=args.out, rows=len(frame)), file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> int:
    from db.queries import observation_table
    from metrics.exports import observations_sheet

    _check_sheet_args(args)
    db = _database(args)
    _write_sheet(observations_sheet(observation_table(db), db.catalog), args)
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from metrics.exports import template_sheet

    _check_sheet_args(args)
    _write_sheet(template_sheet(_catalog(args.config)), args)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from db.backup import BackupError, backup

    db = _database(args, sync=False)
    try:
        path = backup(db, Path(args.file))
    except BackupError as exc:
        raise UsageError(str(exc)) from None
    print(both("cli.backup", path=path))
    return 0


def _plain(value: object) -> object:
    """JSON-ready: NaN → null, dates → ISO text, numpy scalars → Python."""
    import math
    from datetime import date as date_type

    import numpy as np
    import pandas as pd

    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    if (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    ):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, date_type):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _as_of(text: str | None):  # type: ignore[no-untyped-def]
    from datetime import date

    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(both("cli.bad_date", value=text)) from None


def cmd_status(args: argparse.Namespace) -> int:
    from db.queries import status
    from metrics.progress import COLUMNS, status_label

    db = _database(args)
    frame = status(db, _as_of(args.as_of))
    if args.plan:
        frame = frame[frame.indicator.map(lambda i: db.catalog.indicators[i].plan) == args.plan]
    if args.region:
        codes = {args.region, *db.catalog.children_of(args.region)}
        frame = frame[frame.region.isin(codes)]
    if args.json:
        records = [{k: _plain(row[k]) for k in COLUMNS} for _, row in frame.iterrows()]
        json.dump(records, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    for _, row in frame.iterrows():
        ind = db.catalog.indicators[row.indicator]
        latest = "—" if _plain(row.latest_value) is None else f"{row.latest_value:g}{ind.unit}"
        print(
            f"{status_label(row.status, 'zh')}/{row.status}\t{row.indicator}\t{row.region}\t"
            f"{latest} ({row.latest_period or '—'})\t{ind.name}"
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from db.writes import import_file
    from metrics.demo import demo_frame
    from metrics.exports import to_csv_bytes

    db = _database(args)
    frame = demo_frame(db.catalog, _as_of(args.as_of))
    report = import_file(db, to_csv_bytes(frame), "demo.csv", _actor(db, args.user))
    _print_summary(report)
    for e in report.errors[:20]:
        print(f"  row {e['row']} [{e['column']}] “{e['value']}”: {e['message']}", file=sys.stderr)
    if report.errors:
        return 1
    print(both("cli.demo", id=report.import_id))
    return 0


def _password_stdin(args: argparse.Namespace) -> str:
    if not args.password_stdin:
        raise UsageError(both("cli.password_stdin"))
    return sys.stdin.readline().rstrip("\r\n")


def cmd_user(args: argparse.Namespace) -> int:
    from db import accounts

    db = _database(args)
    actor = _actor(db, args.user)
    try:
        if args.action == "add":
            accounts.add_user(
                db, args.name, args.role, _password_stdin(args), args.unit, args.region, actor=actor
            )
        elif args.action == "passwd":
            accounts.set_password(db, args.name, _password_stdin(args), actor=actor)
        elif args.action == "disable":
            accounts.disable_user(db, args.name, actor=actor)
        else:
            frame = accounts.list_users(db)
            for _, r in frame.iterrows():
                state = "disabled" if r.disabled else "active"
                print(
                    f"{r['name']}\t{r.role}\t{state}\t{'、'.join(r.units)}\t{'、'.join(r.regions)}"
                )
            return 0
    except accounts.AccountError as exc:
        raise UsageError(str(exc)) from None
    print(both("cli.user_done", action=args.action, name=args.name))
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from metrics.extract import run_extract

    return run_extract(args.file, args.plan_id, args.region, args.out)


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

    def db_command(name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--config", help="catalog file (default: METRICS_CONFIG or config.yaml)")
        p.set_defaults(handler=handler)
        return p

    p = db_command(
        "init", "建库并同步目录 / create or migrate the database, sync the catalog", cmd_init
    )
    p.add_argument("--user", help="account whose permissions apply (default: local operator)")

    p = db_command("import", "导入统计表 / import a CSV or Excel sheet", cmd_import)
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.add_argument("--skip-invalid", action="store_true", help="write the valid rows only")
    p.add_argument("--json", action="store_true")
    p.add_argument("--user", help="account whose permissions apply (default: local operator)")

    p = db_command("undo", "撤销一次导入 / undo an import", cmd_undo)
    p.add_argument("import_id", type=int)
    p.add_argument("--user", help="account whose permissions apply (default: local operator)")

    for name, help_text, handler in (
        ("export", "导出全部数据 / export every observation", cmd_export),
        ("template", "下载导入模板 / write an import template", cmd_template),
    ):
        p = db_command(name, help_text, handler)
        p.add_argument("--format", choices=["csv", "xlsx"])
        p.add_argument("--out", help="file to write (default: standard output, CSV)")

    p = db_command("status", "目标进展 / status of every target", cmd_status)
    p.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
    p.add_argument("--plan", help="only this plan's indicators")
    p.add_argument("--region", help="only this region and its counties")
    p.add_argument("--json", action="store_true")

    p = db_command(
        "demo", "填充演示数据 / fill the database with labelled synthetic data", cmd_demo
    )
    p.add_argument("--as-of", help="YYYY-MM-DD: last quarter to fill (default: today)")
    p.add_argument("--user", help="account whose permissions apply (default: local operator)")

    p = db_command("user", "账号管理 / manage accounts", cmd_user)
    p.add_argument("--user", help="acting account (default: local operator)")
    users = p.add_subparsers(dest="action", required=True)
    u = users.add_parser("add", help="add an account")
    u.add_argument("name")
    u.add_argument("--role", required=True, choices=["viewer", "analyst", "admin"])
    u.add_argument("--unit", action="append", default=[], help="responsible unit (repeatable)")
    u.add_argument("--region", action="append", default=[], help="region code (repeatable)")
    u.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    users.add_parser("list", help="list accounts")
    u = users.add_parser("disable", help="disable an account")
    u.add_argument("name")
    u = users.add_parser("passwd", help="set a new password")
    u.add_argument("name")
    u.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    for u in users.choices.values():  # --user also after the action: `user add x --user admin`
        u.add_argument("--user", default=argparse.SUPPRESS, help="acting account")

    p = sub.add_parser("extract", help="从规划文本提取指标草稿 / draft catalog entries from a plan")
    p.add_argument("file", help="plan text (UTF-8 or GBK)")
    p.add_argument("--plan-id", help="id for the new plan (default: derived from the text)")
    p.add_argument("--region", help="the plan's region code")
    p.add_argument("--out", help="write the draft YAML here (default: standard output)")
    p.set_defaults(handler=cmd_extract)

    p = db_command("backup", "备份数据库 / consistent copy of the database", cmd_backup)
    p.add_argument("file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except CatalogError as exc:
        _print_problems(exc)
        return 1
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except Exception as exc:  # the last guard: a reason, never a traceback
        from db.engine import DatabaseBusy
        from db.permissions import PermissionDenied
        from metrics.importer import ImportFileError

        if isinstance(exc, ImportFileError | PermissionDenied | DatabaseBusy):
            print(str(exc), file=sys.stderr)
            return 1
        if os.environ.get("METRICS_DEBUG"):
            raise
        print(both("cli.internal", kind=type(exc).__name__, detail=exc), file=sys.stderr)
        return 1
