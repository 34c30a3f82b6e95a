"""The commands: each reads its arguments, calls db/ and metrics/, prints, and returns an
exit code. Errors are raised, not printed: `cli.app.main` maps every kind to its message and
exit code in one place."""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from cli.extract import extract_file
from db import accounts, tokens
from db.backup import backup, restore
from db.connect import open_database
from db.migrations import migrate
from db.permissions import LOCAL_OPERATOR, Actor
from db.queries import observation_table, status
from db.sync import sync_catalog
from db.undo import undo_import
from db.writes import import_file
from metrics.catalog import Catalog, load_catalog
from metrics.demo import demo_frame
from metrics.errors import InvalidInput
from metrics.exports import observations_sheet, template_sheet, to_csv_bytes, to_xlsx_bytes
from metrics.i18n import both, when
from metrics.importer import ImportFileError
from metrics.intake import detect_layouts
from metrics.intake.profiles import load_mapping
from metrics.progress import COLUMNS, status_label


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


class UsageError(InvalidInput):
    """Bad input to a command that argparse cannot see (exit 1 with the reason)."""


def _database(args: argparse.Namespace, sync: bool = True):  # type: ignore[no-untyped-def]

    return open_database(_catalog(getattr(args, "config", None)), sync=sync)


def _actor(db, name: str | None) -> Actor:  # type: ignore[no-untyped-def]

    if name is None:
        return LOCAL_OPERATOR
    actor = accounts.get_actor(db, name)
    if actor is None:
        raise UsageError(both("cli.unknown_user", user=name))
    return actor


def cmd_init(args: argparse.Namespace) -> int:

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
            errors=len(report.errors) + report.more_errors,
        )
    )


def cmd_import(args: argparse.Namespace) -> int:

    db = _database(args)
    data = _read_file(args.file)
    mapping = None
    if getattr(args, "mapping", None):
        mapping = load_mapping(_read_file(args.mapping).decode("utf-8", errors="replace"))
    try:
        report = import_file(
            db,
            data,
            Path(args.file).name,
            _actor(db, args.user),
            dry_run=args.dry_run,
            skip_invalid=args.skip_invalid,
            sheet=getattr(args, "sheet", None),
            mapping=mapping,
            accept_warnings=getattr(args, "accept_warnings", False),
        )
    except ImportFileError as exc:
        if not args.json:
            raise
        # A file-level refusal is still one JSON document on stdout; a dry run adds each
        # sheet's header as detected (what the import page's correction form starts from).
        out = {"file": Path(args.file).name, "written": False, "refused": str(exc)}
        if args.dry_run:
            found = detect_layouts(data, Path(args.file).name, db.catalog)
            out["layout"] = {"sheets": [lay.to_json() for lay in found], "guessed": True}
        json.dump(
            out,
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        print()
        return 1
    warned = bool(report.warnings) and not report.written
    failed = (
        bool(report.errors) and not report.written and not (args.skip_invalid and args.dry_run)
    ) or (warned and not args.dry_run)
    if args.json:
        out = report.to_json()
        if args.dry_run and report.intake is not None:
            out["layout"] = report.intake.to_json()
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2, default=str)
        print()
        return 1 if failed else 0
    _print_summary(report)
    if report.intake is not None:
        _print_layout(report.intake)
    for e in report.errors:
        print(
            f"  第{e['row']}行 row {e['row']} [{e['column']}] “{_short(e['value'])}”: "
            f"{e['message']}"
        )
    if report.more_errors:
        print(both("cli.import_more_errors", count=report.more_errors, listed=len(report.errors)))
    for w in report.warnings:
        print(
            f"  ! 第{w['row']}行 row {w['row']} [{w['column']}] “{_short(w['value'])}”: "
            f"{w['message']}"
        )
    if report.warnings and not report.written and not args.dry_run:
        print(both("cli.import_warnings"), file=sys.stderr)
    if args.dry_run:
        print(both("cli.import_dry"))
    elif failed:
        print(both("cli.import_refused"), file=sys.stderr)
    elif report.written:
        print(both("cli.import_written", id=report.import_id))
    else:
        print(both("cli.import_nothing"))
    return 1 if failed else 0


def _print_layout(intake) -> None:  # type: ignore[no-untyped-def]
    """What was read from each sheet, so the analyst sees the layout the values came from."""
    for lay in intake.layouts:
        print(
            both(
                "cli.import_layout",
                sheet=lay.sheet,
                header="、".join(str(r) for r in lay.header_rows),
                shape=lay.shape,
                period=lay.period or "—",
                region=lay.region or "—",
                skipped=len(lay.skipped),
            )
        )
    for s in intake.skipped_sheets:
        print(both("cli.import_sheet_skipped", sheet=s["sheet"], reason=s["reason"]))
    if intake.no_data:
        print(both("cli.import_no_data", count=intake.no_data))


def _short(text: object, limit: int = 80) -> str:
    """A raw cell as printed in a report line: a 10 MB cell must not flood the terminal."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f"…(+{len(text) - limit})"


def cmd_undo(args: argparse.Namespace) -> int:

    db = _database(args)
    r = undo_import(db, args.import_id, _actor(db, args.user))
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

    data = to_xlsx_bytes(frame) if _format(args) == "xlsx" else to_csv_bytes(frame)
    if args.out is None:
        sys.stdout.buffer.write(data)
        return
    with open(args.out, "wb") as fh:
        fh.write(data)
    print(both("cli.wrote", path=args.out, rows=len(frame)), file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> int:

    _check_sheet_args(args)
    db = _database(args)
    _write_sheet(observations_sheet(observation_table(db), db.catalog), args)
    return 0


def cmd_template(args: argparse.Namespace) -> int:

    _check_sheet_args(args)
    _write_sheet(template_sheet(_catalog(args.config)), args)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:

    db = _database(args, sync=False)
    path = backup(db, Path(args.file))
    print(both("cli.backup", path=path))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Put a backup back into the open database (db.backup.restore: checked first, and
    running dashboards see the restored data instead of a replaced file)."""
    db = _database(args, sync=False)
    restore(db, Path(args.file))
    print(both("backup.restored", path=args.file))
    return 0


def _plain(value: object) -> object:
    """JSON-ready: NaN → null, dates → ISO text, numpy scalars → Python."""

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
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _as_of(text: str | None):  # type: ignore[no-untyped-def]

    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(both("cli.bad_date", value=text)) from None


def cmd_status(args: argparse.Namespace) -> int:

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

    db = _database(args)
    actor = _actor(db, args.user)
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
            print(f"{r['name']}\t{r.role}\t{state}\t{'、'.join(r.units)}\t{'、'.join(r.regions)}")
        return 0
    print(both("cli.user_done", action=args.action, name=args.name))
    return 0


def cmd_extract(args: argparse.Namespace) -> int:

    extract_file(args.file, args.plan_id, args.region, args.out)
    return 0


def cmd_api(args: argparse.Namespace) -> int:
    from api.app import serve  # FastAPI and uvicorn load only for this command

    db = _database(args)
    print(both("token.serving", url=f"http://{args.host}:{args.port}"), file=sys.stderr)
    serve(db, args.host, args.port)
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    db = _database(args)
    actor = _actor(db, args.user)
    if args.action == "add":
        token = tokens.add_token(db, args.name, args.region, args.rate, actor=actor)
        print(both("token.added", name=args.name), file=sys.stderr)
        print(token)
    elif args.action == "revoke":
        tokens.revoke_token(db, args.name, actor=actor)
        print(both("token.revoked", name=args.name))
    else:
        for _, r in tokens.list_tokens(db).iterrows():
            state = "active" if pd.isna(r.revoked_at) else f"revoked {when(r.revoked_at)}"
            used = when(r.last_used_at)
            regions = "、".join(r.regions) or "*"
            print(f"{r['name']}\t{r.prefix}…\t{state}\t{r.rate_per_minute}/min\t{regions}\t{used}")
    return 0
