"""审计日志 / Audit log (administrators): who did what, when; filter and export."""

from __future__ import annotations

import json

import streamlit as st

from db import queries
from metrics.exports import to_csv_bytes
from views.common import get_db, tr

ACTIONS = [
    "login",
    "login_failed",
    "entry",
    "import",
    "undo",
    "catalog_sync",
    "user_add",
    "user_disable",
    "user_passwd",
]

db = get_db()
st.title(tr("audit.title"))
left, right = st.columns(2)
user = left.text_input(tr("audit.user"))
action = right.selectbox(
    tr("audit.action"), ["", *ACTIONS], format_func=lambda a: a or tr("audit.all")
)
log = queries.audit_log(db, user=user.strip() or None, action=action or None)
log["detail"] = log["detail"].map(lambda d: json.dumps(d, ensure_ascii=False))
st.dataframe(log, hide_index=True, use_container_width=True)
st.download_button(tr("audit.export"), to_csv_bytes(log), "audit_log.csv", "text/csv")
