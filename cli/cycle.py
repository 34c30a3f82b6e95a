"""The reporting-cycle commands: `cycle owed|review|approve|return|lock|unlock|status` and
`completeness`. Each reads its arguments, calls db.cycle, prints and returns an exit code;
errors are raised and mapped to messages in cli/app.py."""

from __future__ import annotations

import argparse
import json
import smtplib
import sys
from collections.abc import Callable
from email.message import EmailMessage

import pandas as pd

from cli.commands import _actor, _as_of
from cli.commands import _database as _db
from db import cycle
from metrics.errors import InvalidInput, MetricsError
from metrics.i18n import both
from metrics.periods import PeriodError, parse_period
from metrics.schedule import notice_text, reminders, summarise


def _label(text: str) -> str:
    try:
        return parse_period(text).label
    except PeriodError as exc:
        raise InvalidInput(str(exc)) from None


def _json(records: list[dict]) -> None:
    json.dump(records, sys.stdout, ensure_ascii=False, indent=2, default=str)
    print()


def _items(frame: pd.DataFrame) -> list[dict]:
    out = []
    for r in frame.itertuples(index=False):
        out.append(
            {
                "indicator": r.indicator,
                "region": r.region,
                "period": r.period,
                "due": r.due.isoformat(),
                "state": r.state,
                "review": r.review if isinstance(r.review, str) else None,
                "responsible": list(r.responsible),
            }
        )
    return out


def cmd_owed(args: argparse.Namespace) -> int:
    """What a unit owes now: the open period and everything overdue or returned."""
    db = _db(args)
    actor = _actor(db, args.user)
    frame = cycle.owed_by(db, actor, _as_of(args.as_of))
    if args.unit:
        frame = frame[frame.responsible.map(lambda r: args.unit in r)]
    if args.json:
        _json(_items(frame))
        return 0
    for r in frame.itertuples(index=False):
        name = db.catalog.indicators[r.indicator].name
        print(
            f"{both('cycle.state.' + r.state)}\t{r.period}\t{both('cycle.due_on', due=r.due)}\t"
            f"{r.indicator}\t{r.region}\t{name}"
        )
    print(both("cycle.owed_total", n=len(frame), missing=int((frame.state == "missing").sum())))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    """The stored values of a period with their review state."""
    db = _db(args)
    sub = cycle.submissions(db)
    if args.period:
        p = parse_period(_label(args.period))
        sub = sub[(sub.period_kind == p.kind) & (sub.period_end == pd.Timestamp(p.end))]
    if args.state:
        sub = sub[sub.review_state == args.state]
    records = [
        {
            "indicator": r.indicator_id,
            "region": r.region_code,
            "period_end": r.period_end.date().isoformat(),
            "period_kind": r.period_kind,
            "value": r.value,
            "state": r.review_state,
            "reason": r.reason,
            "locked": bool(r.locked),
            "updated_by": r.updated_by,
        }
        for r in sub.itertuples(index=False)
    ]
    if args.json:
        _json(records)
        return 0
    for r in records:
        lock = "🔒" if r["locked"] else ""
        print(
            f"{r['state']}{lock}\t{r['indicator']}\t{r['region']}\t{r['period_end']}\t"
            f"{r['value']:g}\t{r['reason']}"
        )
    return 0


def _keys(db, args: argparse.Namespace) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """The (indicator, region, period) the decision is about: one named value, or every
    submitted value of the period (narrowed by --indicator / --region)."""
    label = _label(args.period)
    if args.indicator and args.indicator not in db.catalog.indicators:
        raise InvalidInput(both("row.unknown_indicator", raw=args.indicator))
    sub = cycle.submissions(db)
    p = parse_period(label)
    sub = sub[(sub.period_kind == p.kind) & (sub.period_end == pd.Timestamp(p.end))]
    if args.indicator:
        sub = sub[sub.indicator_id == args.indicator]
    if args.region:
        sub = sub[sub.region_code == args.region]
    if getattr(args, "only_submitted", False):
        sub = sub[sub.review_state == "submitted"]
    if sub.empty and args.indicator:
        region = args.region or db.catalog.region_of(db.catalog.indicators[args.indicator])
        return [(args.indicator, region, label)]  # reported as not stored by db.cycle
    return [(i, r, label) for i, r in zip(sub.indicator_id, sub.region_code, strict=True)]


def _decide(args: argparse.Namespace, decide: Callable[..., int], message: str, *extra: str) -> int:
    """approve, return, unlock: the decision on the values of `_keys`, and how many it took."""
    db = _db(args)
    n = decide(db, _actor(db, args.user), _keys(db, args), *extra)
    print(both(message, n=n))
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    args.only_submitted = args.indicator is None
    return _decide(args, cycle.approve, "cycle.approved")


def cmd_return(args: argparse.Namespace) -> int:
    return _decide(args, cycle.return_values, "cycle.returned", args.reason)


def cmd_lock(args: argparse.Namespace) -> int:
    db = _db(args)
    locked, pending = cycle.lock_period(
        db, _actor(db, args.user), _label(args.period), unit=args.unit, region=args.region
    )
    print(both("cycle.locked_n", n=locked, pending=pending))
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    return _decide(args, cycle.unlock, "cycle.unlocked", args.reason)


def cmd_status(args: argparse.Namespace) -> int:
    """The engine's status (values unchanged) with separate fields: `reporting` (overdue =
    未报, returned, not_due, or empty), the status at the previous quarter's end, the arrow
    between them, and whether a report of the target came in late."""
    db = _db(args)
    frame = cycle.status_history(db, _as_of(args.as_of))
    records = [
        {
            "indicator": r.indicator,
            "region": r.region,
            "status": r.status,
            "reporting": r.reporting,
            "previous_status": r.previous_status if isinstance(r.previous_status, str) else None,
            "trend": r.trend,
            "was_late": bool(r.was_late),
        }
        for r in frame.itertuples(index=False)
    ]
    if args.json:
        _json(records)
        return 0
    for rec in records:
        overdue = rec["status"] == "no_data" and rec["reporting"] == "overdue"
        shown = "未报/overdue" if overdue else rec["status"]
        print(
            f"{shown}\t{rec['trend'] or '-'}\t{rec['previous_status'] or '-'}\t"
            f"{rec['reporting'] or '-'}\t{rec['indicator']}\t{rec['region']}"
        )
    return 0


def cmd_completeness(args: argparse.Namespace) -> int:
    """Per unit (or city): owed / reported / on time / late / missing / returned; and the
    list of 未报 and 迟报 items."""
    db = _db(args)
    as_of = _as_of(args.as_of)
    frame = cycle.completeness(db, as_of, period=args.period)
    table = summarise(frame, db.catalog, by=args.by)
    late = frame[frame.state.isin(["missing", "late"])]
    if args.json:
        _json(
            {  # type: ignore[arg-type]
                "as_of": as_of.isoformat(),
                "period": _label(args.period) if args.period else None,
                "by": args.by,
                "summary": [
                    {k: (None if pd.isna(v) else v) for k, v in row.items()}
                    for row in table.to_dict("records")
                ],
                "items": _items(late),
            }
        )
        return 0
    print("\t".join([args.by, *table.columns[1:]]))
    for row in table.itertuples(index=False):
        print("\t".join(str(x) for x in row))
    for r in late.itertuples(index=False):
        print(
            f"{both('cycle.state.' + r.state)}\t{r.period}\t{r.indicator}\t{'、'.join(r.responsible)}"
        )
    return 0


def _send(settings, notices: dict[str, tuple[str, int]]) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    """E-mail each unit its notice; returns (sent, units without an address)."""
    if not settings.smtp_host:
        raise InvalidInput(both("remind.no_smtp"))
    sent, unaddressed = 0, []
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            for unit, (text, n) in notices.items():
                to = settings.unit_emails.get(unit) or []
                if not to:
                    unaddressed.append(unit)
                    continue
                msg = EmailMessage()
                msg["Subject"] = both("remind.subject", unit=unit, n=n)
                msg["From"] = settings.smtp_sender
                msg["To"] = ", ".join(to)
                msg.set_content(text)
                smtp.send_message(msg)
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        raise MetricsError(
            both("remind.smtp_failed", host=settings.smtp_host, port=settings.smtp_port, detail=exc)
        ) from None
    return sent, unaddressed


def cmd_remind(args: argparse.Namespace) -> int:
    """催报: per unit, what is overdue, returned or due within --days-before days, as a
    printable notice (Chinese, then English) and, with --send, by e-mail."""
    db = _db(args)
    as_of = _as_of(args.as_of)
    rows = reminders(cycle.completeness(db, as_of), as_of, args.days_before)
    if args.unit:
        rows = rows[rows.unit == args.unit]
    if rows.empty:
        print(both("remind.none"))
        return 0
    notices = {}
    for unit, part in rows.groupby("unit", sort=True):
        text = "\n".join(
            notice_text(str(unit), part, db.catalog, as_of, lang) for lang in ("zh", "en")
        )
        notices[str(unit)] = (text, len(part))
    if args.json:
        records = []
        for unit, part in rows.groupby("unit", sort=True):
            items = _items(part)
            for item, kind in zip(items, part.kind, strict=True):
                item["kind"] = kind
            records.append({"unit": unit, "items": items})
        _json(records)
    else:
        for text, _n in notices.values():
            print(text)
            print("\f")  # a page break between units when printed
    if args.send:
        sent, unaddressed = _send(db.catalog.settings, notices)
        print(both("remind.sent", n=sent), file=sys.stderr)
        if unaddressed:
            print(both("remind.no_address", units="、".join(unaddressed)), file=sys.stderr)
    return 0


def add_parsers(sub, db_command) -> None:  # type: ignore[no-untyped-def]
    """Register `cycle …` and `completeness` on the main parser (called from cli/app.py)."""
    p = db_command(
        "completeness", "报送完整性与及时性 / who has reported, on time or late", cmd_completeness
    )
    p.add_argument("--period", help="only this period, e.g. 2026Q3")
    p.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
    p.add_argument("--by", choices=["unit", "city"], default="unit")
    p.add_argument("--json", action="store_true")

    p = db_command("remind", "催报 / remind units of reports due soon or overdue", cmd_remind)
    p.add_argument("--days-before", type=int, default=3, help="remind of reports due within N days")
    p.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
    p.add_argument("--unit", help="only this unit")
    p.add_argument("--send", action="store_true", help="also e-mail each unit (settings.smtp_host)")
    p.add_argument("--json", action="store_true")

    p = db_command("cycle", "报送周期：待报、审核、锁定 / reporting cycle", cmd_owed)
    actions = p.add_subparsers(dest="action", required=True)

    def action(name: str, help_text: str, handler) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        a = actions.add_parser(name, help=help_text)
        a.add_argument("--config", default=argparse.SUPPRESS, help="catalog file")
        a.add_argument("--user", help="acting account (default: local operator)")
        a.set_defaults(handler=handler)
        return a

    a = action("owed", "本期待填报 / what is owed now", cmd_owed)
    a.add_argument("--as-of")
    a.add_argument("--unit")
    a.add_argument("--json", action="store_true")
    a = action("review", "审核列表 / values and their review state", cmd_review)
    a.add_argument("--period")
    a.add_argument("--state", choices=["submitted", "approved", "returned"])
    a.add_argument("--json", action="store_true")
    for name, help_text, handler in (
        (
            "approve",
            "审核通过 / approve (default: every submitted value of the period)",
            cmd_approve,
        ),
        ("return", "退回 / return with a reason", cmd_return),
        ("unlock", "解锁（管理员）/ unlock with a reason (admins)", cmd_unlock),
    ):
        a = action(name, help_text, handler)
        a.add_argument("--period", required=True)
        a.add_argument("--indicator")
        a.add_argument("--region")
        if name != "approve":
            a.add_argument("--reason", required=True)
    a = action("lock", "锁定已审核的一期 / lock a period's approved values", cmd_lock)
    a.add_argument("--period", required=True)
    a.add_argument("--unit")
    a.add_argument("--region")
    a = action("status", "目标进展及是否未报 / status with overdue reports flagged", cmd_status)
    a.add_argument("--as-of")
    a.add_argument("--json", action="store_true")
