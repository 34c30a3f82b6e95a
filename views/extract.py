"""规划目标提取 / Extract targets (administrators): from a new plan's text to reviewed YAML.

The page only reads, calls and draws: `metrics.extract` proposes the entries, the
administrator edits them in a table, `metrics.extract.review_problems` checks them
against the current catalog with the catalog's own loader, and the result is either
downloaded as YAML or added to the catalog by `db.plans.add_plan` (one file per plan,
included from config.yaml, synced and audited), which writes nothing unless the whole
plan validates, so a wrong proposal costs nothing until a person has checked it.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from db.plans import add_plan
from metrics.catalog import DOMAINS, default_path
from metrics.errors import MetricsError
from metrics.extract import (
    PLACEHOLDER_PLAN,
    ROW_COLUMNS,
    catalog_yaml,
    decode_text,
    entry_rows,
    extract,
    review_problems,
    rows_entries,
)
from views.auth import acting_actor
from views.common import get_db, plain, tr

STATE = "extract.draft"  # the last extraction: {"plan": …, "rows": …, "horizon": …}

st.title(tr("extract.title"))
st.caption(tr("extract.intro"))

with st.form("extract.form"):
    uploaded = st.file_uploader(tr("extract.upload"), type=["txt", "md"], key="extract.file")
    pasted = st.text_area(tr("extract.paste"), height=200, key="extract.text")
    left, right = st.columns(2)
    plan_id = left.text_input(tr("extract.plan_id"), key="extract.plan_id").strip()
    region = right.text_input(tr("extract.region"), key="extract.region").strip()
    run = st.form_submit_button(tr("extract.run"), type="primary")


def _read_input() -> str | None:
    """The plan text from the upload (first) or the paste box; None with the reason shown."""
    if uploaded is not None:
        try:
            return decode_text(uploaded.getvalue())
        except UnicodeDecodeError:
            st.error(tr("extract.undecodable", path=plain(uploaded.name)))
            return None
    if pasted.strip():
        return pasted
    st.error(tr("extract.need_text"))
    return None


def _iso_date(text: str) -> date | str:
    """2025-07-18 as a date, so the YAML reads like config.yaml; anything else as typed,
    for the validation to name it."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        y, m, d = (int(x) for x in text.split("-"))
        if 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]:
            return date(y, m, d)
    return text


if run:
    text = _read_input()
    if text is not None and not text.strip():
        st.error(tr("extract.empty", path=plain(uploaded.name) if uploaded else "—"))
    elif text is not None:
        draft = extract(
            text,
            plan_id or None,
            region or None,
            uploaded.name if uploaded is not None else None,
        )
        st.session_state[STATE] = {
            "plan": draft.plan,
            "plan_id": draft.plan_id,
            "rows": entry_rows(draft.entries()),
            "horizon": draft.goal_year,
            "quantity": len(draft.quantities),
            "milestone": len(draft.milestones),
            "empty": draft.empty,
        }

state: dict[str, Any] | None = st.session_state.get(STATE)
if state is not None and state.get("empty"):
    key, placeholders = state["empty"]
    st.warning(tr(key, **placeholders))  # nothing proposed: say why, not an empty table
    state = None
if state is not None:
    st.info(
        tr(
            "extract.counts",
            quantity=state["quantity"],
            milestone=state["milestone"],
            horizon=state["horizon"] or tr("extract.no_horizon"),
        )
    )
    plan = state["plan"]
    if plan is not None:
        with st.expander(tr("extract.plan_header"), expanded=True):
            cols = st.columns(3)
            for i, key in enumerate(("title", "doc_no", "issuer", "issued", "region", "source")):
                if key in plan:
                    value: Any = (
                        cols[i % 3]
                        .text_input(key, str(plan[key]), key=f"extract.plan.{key}")
                        .strip()
                    )
                    if key == "issued":
                        value = _iso_date(value)
                    plan = {**plan, key: value}
    st.subheader(tr("extract.table"))
    st.caption(tr("extract.table_help"))
    frame = pd.DataFrame(state["rows"], columns=ROW_COLUMNS)
    frame["by"] = pd.to_datetime(frame["by"]).dt.date
    edited = st.data_editor(
        frame,
        key="extract.editor",
        hide_index=True,
        num_rows="dynamic",
        width="stretch",
        column_config={
            "reviewed": st.column_config.CheckboxColumn(tr("extract.col.reviewed")),
            "keep": st.column_config.CheckboxColumn(tr("extract.col.keep")),
            "kind": st.column_config.SelectboxColumn(options=["quantity", "milestone"]),
            "op": st.column_config.SelectboxColumn(options=[">=", "<=", "==", "between"]),
            "by": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "domain": st.column_config.SelectboxColumn(options=list(DOMAINS)),
            "value": st.column_config.NumberColumn(format="%g"),
            "low": st.column_config.NumberColumn(format="%g"),
            "high": st.column_config.NumberColumn(format="%g"),
            "quote": st.column_config.TextColumn(disabled=True, width="large"),
        },
    )
    entries, cell_problems = rows_entries(edited.to_dict("records"), state["plan_id"])
    header = dict(plan) if plan is not None else None
    yaml_text = catalog_yaml(header, entries, goal_year=state["horizon"])

    left, middle, right = st.columns(3)
    if middle.button(tr("plan_add.add"), key="extract_add_plan", type="primary"):
        # the catalog grows by plans/<id>.yaml, included from config.yaml; checked, synced
        # and audited by db.plans, which changes nothing when anything is wrong
        try:
            added = add_plan(
                get_db(), acting_actor(), default_path(), header or {"id": ""}, entries
            )
        except MetricsError as exc:
            st.error(plain(exc))
        else:
            st.success(
                tr(
                    "plan_add.added",
                    plan=plain(added.plan_id),
                    n=added.indicators,
                    path=plain(added.file),
                )
            )
    if left.button(tr("extract.validate"), key="extract.check"):
        path = default_path()
        try:
            catalog_text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            st.warning(tr("extract.catalog_missing", path=plain(path)))
            catalog_text = ""
        problems = cell_problems + review_problems(yaml_text, catalog_text, catalog_path=path)
        if problems:
            st.error(tr("extract.problems", n=len(problems)))
            st.code("\n".join(problems), language=None)
        else:
            st.success(tr("extract.valid"))
    file_name = f"{state['plan_id'] if state['plan_id'] != PLACEHOLDER_PLAN else 'draft'}.yaml"
    right.download_button(
        tr("extract.download"),
        yaml_text.encode("utf-8"),
        file_name=file_name,
        mime="application/x-yaml",
        key="extract.download",
    )
    st.code(yaml_text, language="yaml")
