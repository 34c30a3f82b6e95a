"""审计日志 / Audit log (administrators): who did what, when; filter and export.

Column headers and the names of actions are in the page's language; an action this
page has no name for (added by a later feature) is shown by its code. Details are
shown as "key: value" pairs, not raw JSON, the keys in words where the sentences have them.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db import queries
from metrics.exports import to_csv_bytes
from metrics.i18n import TEXT
from views.common import get_db, lang, local_times, tr

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
    "plan_added",
]


def action_name(code: str) -> str:
    """The action in words where the sentences name it, else its code."""
    key = f"audit.act.{code}"
    return tr(key) if key in TEXT else code


def detail_key(key: str) -> str:
    """A detail's key in words where the sentences name it (plan_added's plan, file,
    indicators), else the key itself."""
    name = f"audit.key.{key}"
    return tr(name) if name in TEXT else key


def detail_text(detail: object) -> str:
    """A stored detail (a JSON object) as "key: value；…"; None and empty values left out."""
    if not isinstance(detail, dict):
        return (
            "" if detail is None or (isinstance(detail, float) and pd.isna(detail)) else str(detail)
        )
    sep = "；" if lang() == "zh" else "; "
    parts = []
    for key, value in detail.items():
        if value is None or value == "" or value == []:
            continue
        shown = "、".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{detail_key(key)}: {shown}")
    return sep.join(parts)


db = get_db()
st.title(tr("audit.title"))
left, right = st.columns(2)
user = left.text_input(tr("audit.user"))
action = right.selectbox(
    tr("audit.action"),
    ["", *ACTIONS],
    format_func=lambda a: action_name(a) if a else tr("audit.all"),
)
log = queries.audit_log(db, user=user.strip() or None, action=action or None)
shown = pd.DataFrame(
    {
        tr("audit.col.at"): local_times(log["at"]),
        tr("audit.col.user"): log["user"],
        tr("audit.col.action"): log["action"].map(action_name),
        tr("audit.col.detail"): log["detail"].map(detail_text),
    }
)
st.dataframe(shown, hide_index=True, width="stretch")
st.download_button(tr("audit.export"), to_csv_bytes(shown), f"{tr('audit.file')}.csv", "text/csv")
