"""Execution: the TMVAs Momentum issued, and what the reps did with them (completed, dismissed, still open,
expired), per rep and per play (dashboards.dash_tmva_outcomes). Lift is not measured yet."""

from __future__ import annotations

import streamlit as st

from dashboard import charts
from dashboard.data import current_as_of, query

filters = st.session_state["filters"]
as_of = current_as_of()
where, params = filters.where()
st.title("Execution")
st.caption(
    f"TMVAs first issued in {filters.quarter}, {filters.describe()}, as their CRM tasks stood on {as_of}."
)
STATUS_COLOURS = {"Completed": "#16a34a", "Open": "#2563eb", "Dismissed": "#dc2626", "Expired": "#cbd5e1",
                  "not yet read back": "#a78bfa"}  # fmt: skip

tmvas = query(
    f"select * from dashboards.dash_tmva_outcomes where fiscal_quarter = %s and {where}",
    (filters.quarter, *params),
)
if tmvas.empty:
    charts.empty(
        f"No TMVA issued in {filters.quarter} for {filters.describe()}: the morning job issues them (`momentum run`)."
    )
else:
    cols = st.columns(4)
    cols[0].metric("TMVAs issued", len(tmvas))
    for col, status in zip(cols[1:], ("Completed", "Dismissed", "Open"), strict=True):
        col.metric(status, int((tmvas["task_status"] == status).sum()))
    # Horizontal bars, one row each: a team of fifty reps stays readable.
    for column, title in (("play_id", "per play"), ("rep_name", "per rep")):
        charts.frame(
            f"TMVAs {title}",
            "Each TMVA issued, by what became of its CRM task ('not yet read back': the task Momentum wrote is"
            " read by the next morning's extract).",
            as_of,
        )
        figure = charts.counted_bars(tmvas, column, "task_status", STATUS_COLOURS)
        figure.update_xaxes(title="TMVAs")
        figure.update_yaxes(title=None)
        charts.draw(figure, height=max(260, 20 * tmvas[column].nunique() + 140))

charts.frame(
    "Measured lift", "Win rate and amount of deals whose TMVA was completed against comparable ones.", as_of
)
charts.empty(
    "Not measured yet: measuring lift needs a comparison group (comparable deals that got no TMVA), which the"
    " playbook does not hold back yet."
)
