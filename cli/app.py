"""The argument parser and the last guard: every error becomes its message and exit code
through `cli.errors.report_error`.

Exit codes, for every command (extract included): 0 success; 1 invalid input, a refused
permission, a conflict or a busy database (the reason is printed on stderr); 2 a usage error
(argparse: an unknown command or flag).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from cli import briefing as briefing_cli
from cli import commands
from cli import cycle as cycle_cli
from cli.errors import report_error

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except BrokenPipeError:
        # The reader went away (`… | head`): not an error of ours. Point stdout at devnull so
        # the interpreter's final flush does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the last guard: a reason, never a traceback
        return report_error(exc)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m metrics",
        description="智慧城市目标跟踪 / Smart-city target tracker",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="检查目录 / check the catalog")
    p.add_argument("path", nargs="?", help="catalog file (default: METRICS_CONFIG or config.yaml)")
    p.set_defaults(handler=commands.cmd_validate)

    p = sub.add_parser("catalog", help="列出指标 / list the indicators")
    p.add_argument("--json", action="store_true", help="one JSON object per indicator")
    p.add_argument("--config", help="catalog file")
    p.set_defaults(handler=commands.cmd_catalog)

    def db_command(name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--config", help="catalog file (default: METRICS_CONFIG or config.yaml)")
        p.set_defaults(handler=handler)
        return p

    p = db_command(
        "init",
        "建库并同步目录 / create or migrate the database, sync the catalog",
        commands.cmd_init,
    )
    p.add_argument("--user", help="account whose permissions apply (default: local operator)")

    p = db_command("import", "导入统计表 / import a CSV or Excel sheet", commands.cmd_import)
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.add_argument("--skip-invalid", action="store_true", help="write the valid rows only")
    p.add_argument("--json", action="store_true", help="the report (and with --dry-run the layout)")
    p.add_argument("--sheet", help="read only this worksheet")
    p.add_argument("--mapping", help="profile.yaml: header row, column roles, period, region")
    p.add_argument(
        "--accept-warnings", action="store_true", help="write despite plausibility warnings"
    )
    p.add_argument("--user", help="account whose permissions apply (default: local operator)")

    p = db_command("undo", "撤销一次导入 / undo an import", commands.cmd_undo)
    p.add_argument("import_id", type=int)
    p.add_argument("--user", help="account whose permissions apply (default: local operator)")

    for name, help_text, handler in (
        ("export", "导出全部数据 / export every observation", commands.cmd_export),
        ("template", "下载导入模板 / write an import template", commands.cmd_template),
    ):
        p = db_command(name, help_text, handler)
        p.add_argument("--format", choices=["csv", "xlsx"])
        p.add_argument("--out", help="file to write (default: standard output, CSV)")

    p = db_command("status", "目标进展 / status of every target", commands.cmd_status)
    p.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
    p.add_argument("--plan", help="only this plan's indicators")
    p.add_argument("--region", help="only this region and its counties")
    p.add_argument("--json", action="store_true")

    p = db_command(
        "demo", "填充演示数据 / fill the database with labelled synthetic data", commands.cmd_demo
    )
    p.add_argument("--as-of", help="YYYY-MM-DD: last quarter to fill (default: today)")
    p.add_argument("--user", help="account whose permissions apply (default: local operator)")

    p = db_command("user", "账号管理 / manage accounts", commands.cmd_user)
    p.add_argument("--user", help="acting account (default: local operator)")
    users = p.add_subparsers(dest="action", required=True)
    u = users.add_parser("add", help="add an account")
    u.add_argument("name")
    u.add_argument("--role", required=True, choices=["viewer", "analyst", "reviewer", "admin"])
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

    p = db_command("api", "只读 JSON 接口 / serve the read-only JSON API", commands.cmd_api)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000)

    p = db_command("token", "接口令牌 / manage API tokens", commands.cmd_token)
    p.add_argument("--user", help="acting account (default: local operator)")
    tokens = p.add_subparsers(dest="action", required=True)
    u = tokens.add_parser("add", help="make a token (printed once)")
    u.add_argument("name")
    u.add_argument("--region", action="append", default=[], help="only this region (repeatable)")
    u.add_argument("--rate", type=int, default=120, help="requests per minute (default 120)")
    tokens.add_parser("list", help="list tokens (never the tokens themselves)")
    u = tokens.add_parser("revoke", help="revoke a token at once")
    u.add_argument("name")
    for u in tokens.choices.values():
        u.add_argument("--user", default=argparse.SUPPRESS, help="acting account")

    p = sub.add_parser("extract", help="从规划文本提取指标草稿 / draft catalog entries from a plan")
    p.add_argument("file", help="plan text (UTF-8 or GBK)")
    p.add_argument("--plan-id", help="id for the new plan (default: derived from the text)")
    p.add_argument("--region", help="the plan's region code")
    p.add_argument("--out", help="write the draft YAML here (default: standard output)")
    p.set_defaults(handler=commands.cmd_extract)

    briefing_cli.register(sub, db_command)

    p = db_command("backup", "备份数据库 / consistent copy of the database", commands.cmd_backup)
    p.add_argument("file")
    p = db_command(
        "restore", "从备份恢复数据库 / put a backup back (safe while running)", commands.cmd_restore
    )
    p.add_argument("file")

    cycle_cli.add_parsers(sub, db_command)  # the reporting cycle (cli/cycle.py)
    return parser
