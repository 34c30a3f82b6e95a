"""账号管理 / Accounts (administrators): add, disable, reset passwords."""

from __future__ import annotations

import streamlit as st

from db import accounts
from db.permissions import PermissionDenied, unit_cities
from views.auth import current_actor
from views.common import get_db, lang, local_times, plain, tr

db = get_db()
actor = current_actor()
st.title(tr("users.title"))
users = accounts.list_users(db)
st.dataframe(
    {
        tr("users.col.name"): users["name"],
        tr("users.col.role"): users.role.map(lambda r: tr(f"role.{r}")),
        tr("users.col.units"): users.units.map("、".join),
        tr("users.col.regions"): users.regions.map(
            lambda codes: "、".join(db.catalog.region_name(c, lang()) for c in codes)
        ),
        tr("users.col.state"): users.disabled.map(
            lambda d: tr("users.state.disabled" if d else "users.state.active")
        ),
        tr("users.col.failed"): users.failed_logins,
        tr("users.col.locked_until"): users.locked_until.astype(str).replace(
            {"None": "", "NaT": ""}
        ),
        tr("users.col.created"): local_times(users.created_at),
    },
    hide_index=True,
    width="stretch",
)

names = sorted({u for i in db.catalog.indicators.values() for u in i.responsible})
# A unit name several cities share is offered once per city (371700:市大数据局).
units = [
    f"{c}:{u}" if len(cities) > 1 else u
    for u in names
    for cities in [unit_cities(db.catalog, u)]
    for c in cities[: len(cities) if len(cities) > 1 else 1]
]
regions = list(db.catalog.regions)


def _run(action, done: str, **kw: object) -> None:  # type: ignore[no-untyped-def]
    try:
        action()
    except (accounts.AccountError, PermissionDenied) as exc:
        st.error(plain(exc))
    else:  # account names are typed by people: shown literally
        st.success(tr(done, **{k: plain(v) for k, v in kw.items()}))


with st.form("add_user", clear_on_submit=True):
    st.subheader(tr("users.add"))
    name = st.text_input(tr("auth.name"))
    role = st.selectbox(tr("users.role"), accounts.ROLES, format_func=lambda r: tr(f"role.{r}"))
    chosen_units = st.multiselect(tr("users.units"), units)
    chosen_regions = st.multiselect(
        tr("users.regions"),
        regions,
        format_func=lambda c: f"{db.catalog.regions[c].name} {c}",
    )
    pw1 = st.text_input(tr("auth.password"), type="password")
    pw2 = st.text_input(tr("users.password2"), type="password")
    if st.form_submit_button(tr("users.add"), type="primary"):
        if pw1 != pw2:
            st.error(tr("users.mismatch"))
        else:
            _run(
                lambda: accounts.add_user(
                    db, name.strip(), role, pw1, chosen_units, chosen_regions, actor=actor
                ),
                "users.added",
                name=name,
            )

names = users["name"].tolist()
if names:
    left, right = st.columns(2)
    with left, st.form("disable_user"):
        st.subheader(tr("users.disable"))
        who = st.selectbox(tr("users.pick"), names, key="disable_pick")
        if st.form_submit_button(tr("users.disable")):
            _run(lambda: accounts.disable_user(db, who, actor=actor), "users.disabled", name=who)
    with right, st.form("reset_password", clear_on_submit=True):
        st.subheader(tr("users.reset"))
        who = st.selectbox(tr("users.pick"), names, key="reset_pick")
        pw = st.text_input(tr("auth.password"), type="password", key="reset_pw")
        if st.form_submit_button(tr("users.reset")):
            _run(
                lambda: accounts.set_password(db, who, pw, actor=actor),
                "users.reset_done",
                name=who,
            )
