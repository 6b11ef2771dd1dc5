"""Leadership's dashboard: the Streamlit entry script (`momentum dashboard` runs it).

The password gate first, then the shared filters in the sidebar, then the page the user picked. Each page is
a module of dashboard/views/ that only selects and draws (README "Dashboard").
"""

from __future__ import annotations

import streamlit as st

from dashboard.filters import sidebar_filters
from dashboard.gate import require_password
from dashboard.monitoring import warm_up

st.set_page_config(page_title="Momentum — leadership", page_icon="📈", layout="wide")
require_password()
warm_up()

PAGES = [
    st.Page("views/this_quarter.py", title="This quarter", default=True),
    st.Page("views/forecast_accuracy.py", title="Forecast accuracy"),
    st.Page("views/pipeline_health.py", title="Pipeline health and review"),
    st.Page("views/win_loss.py", title="Win-loss"),
    st.Page("views/execution.py", title="Execution"),
    st.Page("views/models.py", title="Models"),
]
page = st.navigation(PAGES)
st.session_state["filters"] = sidebar_filters()
page.run()
