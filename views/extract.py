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
from metrics.i18n import both
from views.auth import acting_actor
from views.common import get_db, plain, tr

STATE = "extract.draft"  # the last extraction: {"plan": …, "rows": …, "horizon": …}
HEADER_FIELDS = ("title", "doc_no", "issuer", "issued", "region", "source")
NUMBER_COLUMNS = ("value", "low", "high", "baseline_value")
DATE_COLUMNS = ("by", "baseline_date")
# A reload or a closed tab loses the draft (it lives in this page's session): while one is
# shown and not yet added, the browser asks before leaving. The marker goes with the page,
# so the question is asked only while the draft is on screen.
LEAVE_GUARD = """<div class="metrics-extract-draft" hidden></div>
<script>
if (!window.metricsExtractGuard) {
  window.metricsExtractGuard = (event) => {
    if (document.querySelector(".metrics-extract-draft")) {
      event.preventDefault();
      event.returnValue = "";
    }
  };
  window.addEventListener("beforeunload", window.metricsExtractGuard);
}
</script>"""

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


def _column_config() -> dict[str, Any]:
    """Every column headed in the page's language (the keys stay the YAML's)."""

    def label(column: str) -> str:
        return tr(f"extract.col.{column}")

    config: dict[str, Any] = {c: st.column_config.TextColumn(label(c)) for c in ROW_COLUMNS}
    config |= {
        "reviewed": st.column_config.CheckboxColumn(label("reviewed")),
        "keep": st.column_config.CheckboxColumn(label("keep")),
        "cumulative": st.column_config.CheckboxColumn(label("cumulative")),
        "recurring": st.column_config.CheckboxColumn(label("recurring")),
        "kind": st.column_config.SelectboxColumn(
            label("kind"),
            options=["quantity", "milestone"],
            format_func=lambda kind: tr(f"extract.kind.{kind}"),
        ),
        "op": st.column_config.SelectboxColumn(label("op"), options=[">=", "<=", "==", "between"]),
        "domain": st.column_config.SelectboxColumn(label("domain"), options=list(DOMAINS)),
        "quote": st.column_config.TextColumn(label("quote"), disabled=True, width="large"),
    }
    config |= {c: st.column_config.NumberColumn(label(c), format="%g") for c in NUMBER_COLUMNS}
    config |= {c: st.column_config.DateColumn(label(c), format="YYYY-MM-DD") for c in DATE_COLUMNS}
    return config


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
            for i, key in enumerate(HEADER_FIELDS):
                if key in plan:
                    value: Any = (
                        cols[i % 3]
                        .text_input(
                            tr(f"extract.field.{key}"), str(plan[key]), key=f"extract.plan.{key}"
                        )
                        .strip()
                    )
                    if key == "issued":
                        value = _iso_date(value)
                    plan = {**plan, key: value}
    st.subheader(tr("extract.table"))
    st.caption(tr("extract.table_help"))
    frame = pd.DataFrame(state["rows"], columns=ROW_COLUMNS)
    for column in NUMBER_COLUMNS:  # numbers, so an empty cell shows empty, not "None"
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    for column in DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column]).dt.date
    edited = st.data_editor(
        frame,
        key="extract.editor",
        hide_index=True,
        num_rows="dynamic",
        width="stretch",
        column_config=_column_config(),
        placeholder="",  # an empty cell shows empty, not Streamlit's "None"
    )
    entries, cell_problems = rows_entries(edited.to_dict("records"), state["plan_id"])
    header = dict(plan) if plan is not None else None
    yaml_text = catalog_yaml(header, entries, goal_year=state["horizon"])

    left, middle, right = st.columns(3)
    if middle.button(tr("plan_add.add"), key="extract_add_plan", type="primary"):
        # the catalog grows by plans/<id>.yaml, included from config.yaml; checked, synced
        # and audited by db.plans, which changes nothing when anything is wrong. A cell the
        # table could not read is left out of `entries`: refused here, not added without it.
        if cell_problems:
            st.error(tr("extract.cells_left", n=len(cell_problems)))
            st.code("\n".join(cell_problems), language=None, wrap_lines=True)
        else:
            try:
                added = add_plan(
                    get_db(), acting_actor(), default_path(), header or {"id": ""}, entries
                )
            except MetricsError as exc:
                st.error(plain(exc))
            else:
                state["added"] = added.plan_id  # in the catalog now: nothing left to lose
                st.success(  # both languages, as add_plan's refusals are
                    both(
                        "plan_add.added",
                        plan=plain(added.plan_id),
                        n=added.indicators,
                        path=plain(added.include),
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
            st.code("\n".join(problems), language=None, wrap_lines=True)
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
    if not state.get("added"):
        st.html(LEAVE_GUARD, unsafe_allow_javascript=True)
