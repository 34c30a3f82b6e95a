"""催报: `python -m metrics remind` lists per unit what is overdue, returned or due soon, as
a printable notice, and with --send e-mails it through SMTP (a local aiosmtpd server)."""

from __future__ import annotations

import json
import socket
from datetime import date
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from cli.app import main
from metrics.catalog import parse_catalog
from metrics.schedule import assess, owed, reminders
from tests.conftest import SMALL_CATALOG

SHARE = "heze-2023-digital-gov.data-service-share"
STATIONS = "heze-2023-digital-gov.base-stations"
# Reports owed from 2025 on; the share is monthly, so one is due soon on 2025-10-05.
CATALOG = SMALL_CATALOG.replace(
    '    region: "371700"\nindicators:',
    '    region: "371700"\n    reporting: {start: 2025-01-01}\nindicators:',
).replace(
    "    clause: 三、（三）2.\n", "    clause: 三、（三）2.\n    reporting: {frequency: monthly}\n"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("days_before", "share_kinds"),
    [
        (0, {"overdue"}),  # 2025-09 is due 10-10: five days away, not within 0
        (5, {"overdue", "due_soon"}),
        (30, {"overdue", "due_soon"}),
    ],
)
def test_reminders_by_kind(days_before: int, share_kinds: set[str]) -> None:
    cat = parse_catalog(CATALOG)
    as_of = date(2025, 10, 5)
    empty = assess(owed(cat, as_of), _no_reports())
    rows = reminders(empty, as_of, days_before)
    share = rows[rows.indicator == SHARE]
    assert set(share.kind) == share_kinds
    assert set(share.unit) == {"市大数据局"}
    # Quarterly stations: Q1, Q2 overdue; Q3 (due 10-10) only when within range.
    stations = rows[rows.indicator == STATIONS]
    assert len(stations[stations.kind == "overdue"]) == 2


def _no_reports():  # type: ignore[no-untyped-def]
    import pandas as pd

    from metrics.schedule import REPORT_COLUMNS

    return pd.DataFrame(columns=REPORT_COLUMNS).astype({"period_end": "datetime64[s]"})


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self) -> None:
            self.messages: list = []

        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
            self.messages.append(envelope)
            return "250 OK"

    handler = Collect()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, handler
    controller.stop()


def _setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"settings:\n{settings}" + CATALOG, encoding="utf-8")
    monkeypatch.setenv("METRICS_CONFIG", str(config))
    monkeypatch.setenv("METRICS_DATABASE_URL", f"sqlite:///{tmp_path / 'r.db'}")


def test_remind_prints_and_sends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    port, handler = smtp_server
    _setup(
        tmp_path,
        monkeypatch,
        f"  smtp_host: 127.0.0.1\n  smtp_port: {port}\n"
        "  unit_emails: {市大数据局: [bdb@example.cn]}\n",
    )
    assert main(["remind", "--as-of", "2025-10-05", "--days-before", "5"]) == 0
    out = capsys.readouterr().out
    assert "催报通知：市大数据局" in out and "逾期未报" in out and "即将到期" in out
    assert "Reporting reminder: 市工业和信息化局" in out
    assert main(["remind", "--as-of", "2025-10-05", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {r["unit"] for r in records} == {"市大数据局", "市工业和信息化局"}

    assert main(["remind", "--as-of", "2025-10-05", "--send"]) == 0
    err = capsys.readouterr().err
    assert "已发送 1 封" in err and "市工业和信息化局" in err  # no address for that unit
    assert len(handler.messages) == 1
    envelope = handler.messages[0]
    assert envelope.rcpt_tos == ["bdb@example.cn"]
    mail = message_from_bytes(envelope.content)
    assert "市大数据局" in str(make_header(decode_header(mail["Subject"])))
    assert "逾期未报" in mail.get_payload(decode=True).decode("utf-8")


def test_send_without_smtp_says_how_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    _setup(tmp_path, monkeypatch, "  login_required: false\n")
    assert main(["remind", "--as-of", "2025-10-05", "--send"]) == 1
    assert "smtp_host" in capsys.readouterr().err


def test_unreachable_smtp_is_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    _setup(tmp_path, monkeypatch, f"  smtp_host: 127.0.0.1\n  smtp_port: {_free_port()}\n")
    assert main(["remind", "--as-of", "2025-10-05", "--send"]) == 1
    assert "发送邮件失败" in capsys.readouterr().err
