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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from cli import briefing as briefing_cli
from cli import commands
from cli import cycle as cycle_cli
from cli.errors import report_error

Handler = Callable[[argparse.Namespace], int]

AS_ACCOUNT = "按此账号的权限执行（默认本机操作员） / account whose permissions apply (default: local operator)"


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
    sub = parser.add_subparsers(
        dest="command",
        required=True,
        title="命令 / commands",
        description="每个命令的选项：python -m metrics 命令 --help / each command's options: python -m metrics COMMAND --help",
    )

    p = sub.add_parser("validate", help="检查目录 / check the catalog")
    p.add_argument(
        "path",
        nargs="?",
        help="目录文件（默认 METRICS_CONFIG 或 config.yaml） / catalog file (default: METRICS_CONFIG or config.yaml)",
    )
    p.set_defaults(handler=commands.cmd_validate)

    p = sub.add_parser("catalog", help="列出指标 / list the indicators")
    p.add_argument(
        "--json", action="store_true", help="每个指标一个 JSON 对象 / one JSON object per indicator"
    )
    p.add_argument("--config", help="目录文件 / catalog file")
    p.set_defaults(handler=commands.cmd_catalog)

    def db_command(name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument(
            "--config",
            help="目录文件（默认 METRICS_CONFIG 或 config.yaml） / catalog file (default: METRICS_CONFIG or config.yaml)",
        )
        p.set_defaults(handler=handler)
        return p

    @contextmanager
    def acting_actions(
        name: str, help_text: str, handler: Handler
    ) -> Iterator[argparse._SubParsersAction]:
        """A command whose actions (added in the with block) take the acting --user before or
        after the action: `user --user admin add x` and `user add x --user admin`."""
        p = db_command(name, help_text, handler)
        p.add_argument(
            "--user",
            help="执行操作的账号（默认本机操作员） / acting account (default: local operator)",
        )
        actions = p.add_subparsers(dest="action", required=True)
        yield actions
        for a in actions.choices.values():
            a.add_argument(
                "--user", default=argparse.SUPPRESS, help="执行操作的账号 / acting account"
            )

    p = db_command(
        "init",
        "建库并同步目录 / create or migrate the database, sync the catalog",
        commands.cmd_init,
    )
    p.add_argument("--user", help=AS_ACCOUNT)

    p = db_command("import", "导入统计表 / import a CSV or Excel sheet", commands.cmd_import)
    p.add_argument("file", help="CSV 或 Excel 文件 / a CSV or Excel file")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="只检查并报告，不写入 / check and report, write nothing",
    )
    p.add_argument(
        "--skip-invalid", action="store_true", help="只写入有效行 / write the valid rows only"
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="以 JSON 输出报告（配合 --dry-run 含表格结构） / the report (and with --dry-run the layout)",
    )
    p.add_argument("--sheet", help="只读此工作表 / read only this worksheet")
    p.add_argument(
        "--mapping",
        help="映射文件 profile.yaml：表头行、列含义、统计期、地区 / profile.yaml: header row, column roles, period, region",
    )
    p.add_argument(
        "--accept-warnings",
        action="store_true",
        help="忽略合理性警告并写入 / write despite plausibility warnings",
    )
    p.add_argument("--user", help=AS_ACCOUNT)

    p = db_command("undo", "撤销一次导入 / undo an import", commands.cmd_undo)
    p.add_argument("import_id", type=int, help="导入编号 / the import's number")
    p.add_argument("--user", help=AS_ACCOUNT)

    for name, help_text, handler in (
        ("export", "导出全部数据 / export every observation", commands.cmd_export),
        ("template", "下载导入模板 / write an import template", commands.cmd_template),
    ):
        p = db_command(name, help_text, handler)
        p.add_argument("--format", choices=["csv", "xlsx"], help="文件格式 / file format")
        p.add_argument(
            "--out",
            help="输出文件（默认标准输出，CSV） / file to write (default: standard output, CSV)",
        )

    p = db_command("status", "目标进展 / status of every target", commands.cmd_status)
    p.add_argument("--as-of", help="截至日期 YYYY-MM-DD（默认今天） / YYYY-MM-DD (default: today)")
    p.add_argument("--plan", help="只看此规划的指标 / only this plan's indicators")
    p.add_argument("--region", help="只看此地区及其区县 / only this region and its counties")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")

    p = db_command(
        "demo", "填充演示数据 / fill the database with labelled synthetic data", commands.cmd_demo
    )
    p.add_argument(
        "--as-of",
        help="YYYY-MM-DD：填充到的最后一季（默认今天） / YYYY-MM-DD: last quarter to fill (default: today)",
    )
    p.add_argument("--user", help=AS_ACCOUNT)

    with acting_actions("user", "账号管理 / manage accounts", commands.cmd_user) as users:
        u = users.add_parser("add", help="新增账号 / add an account")
        u.add_argument("name", help="账号名 / account name")
        u.add_argument(
            "--role",
            required=True,
            choices=["viewer", "analyst", "reviewer", "admin"],
            help="角色：查看/填报/审核/管理 / role",
        )
        u.add_argument(
            "--unit",
            action="append",
            default=[],
            help="责任单位（可重复） / responsible unit (repeatable)",
        )
        u.add_argument(
            "--region",
            action="append",
            default=[],
            help="地区编码（可重复） / region code (repeatable)",
        )
        u.add_argument(
            "--password-stdin",
            action="store_true",
            help="从标准输入读取密码 / read the password from stdin",
        )
        users.add_parser("list", help="列出账号 / list accounts")
        u = users.add_parser("disable", help="停用账号 / disable an account")
        u.add_argument("name", help="账号名 / account name")
        u = users.add_parser("passwd", help="设置新密码 / set a new password")
        u.add_argument("name", help="账号名 / account name")
        u.add_argument(
            "--password-stdin",
            action="store_true",
            help="从标准输入读取密码 / read the password from stdin",
        )

    p = db_command("api", "只读 JSON 接口 / serve the read-only JSON API", commands.cmd_api)
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="监听地址（默认 127.0.0.1） / address to listen on (default 127.0.0.1)",
    )
    p.add_argument("--port", type=int, default=8000, help="端口（默认 8000） / port (default 8000)")

    with acting_actions("token", "接口令牌 / manage API tokens", commands.cmd_token) as tokens:
        u = tokens.add_parser("add", help="生成令牌（只显示一次） / make a token (printed once)")
        u.add_argument("name", help="令牌名 / token name")
        u.add_argument(
            "--region",
            action="append",
            default=[],
            help="只限此地区（可重复） / only this region (repeatable)",
        )
        u.add_argument(
            "--rate",
            type=int,
            default=120,
            help="每分钟请求数（默认 120） / requests per minute (default 120)",
        )
        tokens.add_parser(
            "list", help="列出令牌（不显示令牌本身） / list tokens (never the tokens themselves)"
        )
        u = tokens.add_parser("revoke", help="立即吊销令牌 / revoke a token at once")
        u.add_argument("name", help="令牌名 / token name")

    p = sub.add_parser("extract", help="从规划文本提取指标草稿 / draft catalog entries from a plan")
    p.add_argument("file", help="规划文本（UTF-8 或 GBK） / plan text (UTF-8 or GBK)")
    p.add_argument(
        "--plan-id",
        help="新规划的编号（默认由文本生成） / id for the new plan (default: derived from the text)",
    )
    p.add_argument("--region", help="规划所属地区编码 / the plan's region code")
    p.add_argument(
        "--out",
        help="草稿 YAML 输出文件（默认标准输出） / write the draft YAML here (default: standard output)",
    )
    p.set_defaults(handler=commands.cmd_extract)

    briefing_cli.register(sub, db_command)

    p = db_command("backup", "备份数据库 / consistent copy of the database", commands.cmd_backup)
    p.add_argument("file", help="备份文件 / the copy to write")
    p = db_command(
        "restore", "从备份恢复数据库 / put a backup back (safe while running)", commands.cmd_restore
    )
    p.add_argument("file", help="备份文件 / the backup to put back")

    cycle_cli.add_parsers(sub, db_command)  # the reporting cycle (cli/cycle.py)
    return parser
