"""Streamlit entry point: language, navigation, and (later) the login gate.

Run with `streamlit run dashboard.py`. Pages live in views/ and stay thin.
"""

from __future__ import annotations

import streamlit as st

from metrics.i18n import TEXT
from views.common import LANG_KEY, get_db, lang, tr

TEXT.update(
    {
        "nav.overview": ("总览", "Overview"),
        "nav.indicator": ("指标详情", "Indicator"),
        "nav.entry": ("数据填报", "Data entry"),
        "nav.import": ("批量导入", "Import"),
        "nav.leaders": ("领导看板", "For leaders"),
        "nav.analysts": ("数据报送", "For analysts"),
    }
)

st.set_page_config(page_title="智慧城市目标跟踪 / Smart-city targets", page_icon="📊", layout="wide")

lang()  # settles the language before any label is drawn
with st.sidebar:
    choice = st.radio(
        tr("app.language"), ["zh", "en"], format_func={"zh": "中文", "en": "English"}.get,
        index=0 if lang() == "zh" else 1, horizontal=True, key="lang_choice",
    )
    if choice != st.session_state[LANG_KEY]:
        st.session_state[LANG_KEY] = choice
        st.query_params["lang"] = choice
        st.rerun()

try:
    get_db()
except Exception as exc:  # shown to the user as a sentence, never a traceback
    st.error(tr("app.db_error", detail=exc))
    st.stop()

pages = {
    tr("nav.leaders"): [
        st.Page("views/overview.py", title=tr("nav.overview"), url_path="overview", default=True),
        st.Page("views/indicator.py", title=tr("nav.indicator"), url_path="indicator"),
    ],
    tr("nav.analysts"): [
        st.Page("views/entry.py", title=tr("nav.entry"), url_path="entry"),
        st.Page("views/upload.py", title=tr("nav.import"), url_path="import"),
    ],
}
st.navigation(pages).run()
