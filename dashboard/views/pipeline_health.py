"""Pipeline health and review: the evidence a manager brings to a pipeline review, per rep and per deal:
stalled, pushed and past-due deals, missing stakeholders and next steps, stage velocity against the segment's
norm, and the week-over-week changes (dashboards.dash_pipeline_review_*, dash_pipeline_changes_weekly)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import charts, tables
from dashboard.data import current_as_of, query

# fct_pipeline_changes.change_type as a leader reads it, coloured by what the change does to the pipeline: won
# green, lost red, the rest apart from both.
CHANGES = {
    "new": ("New", "#2563eb"),
    "entered": ("Entered", "#60a5fa"),
    "stage_forward": ("Advanced a stage", "#14b8a6"),
    "stage_backward": ("Moved back a stage", "#f97316"),
    "pushed": ("Pushed", "#a855f7"),
    "pulled_in": ("Pulled in", "#ec4899"),
    "amount_up": ("Amount up", "#0ea5e9"),
    "amount_down": ("Shrunk", "#f59e0b"),
    "unchanged": ("Unchanged", "#94a3b8"),
    "closed_won": ("Closed won", charts.PALETTE["Won"]),
    "closed_lost": ("Closed lost", charts.PALETTE["Lost"]),
    "left": ("Left", "#64748b"),
}

filters = st.session_state["filters"]
as_of = current_as_of()
where, params = filters.where()
st.title("Pipeline health and review")
st.caption(f"Deals open on {as_of}, {filters.describe()}.")

FLAGS = {
    "stalled_count": "Stalled (no activity 14+ days)",
    "pushed_count": "Close date pushed",
    "past_close_date_count": "Close date in the past",
    "missing_stakeholders_count": "Late stage, no economic buyer or champion",
    "next_step_missing_count": "No next step",
    "slow_in_stage_count": "Slower in stage than the segment",
}
reps = query(f"select * from dashboards.dash_pipeline_review_reps where {where}", params)
charts.empty(
    "Coverage against the remaining target is not shown: no quota target is configured (Momentum keeps none yet)."
)
if reps.empty:
    charts.empty(f"No open deal for {filters.describe()} on {as_of}.")
    st.stop()

# Counts per rep: the model's rows are per rep, segment and close quarter, so the filter's rows are added up.
per_rep = reps.groupby("rep_name", as_index=False)[["open_deal_count", "open_pipeline_amount", *FLAGS]].sum()
totals = per_rep.sum(numeric_only=True)
cols = st.columns(4)
cols[0].metric("Open deals", int(totals["open_deal_count"]))
cols[1].metric("Open pipeline", charts.money(totals["open_pipeline_amount"]))
cols[2].metric("Stalled", int(totals["stalled_count"]))
cols[3].metric("Pushed", int(totals["pushed_count"]))

charts.frame(
    "Review flags per rep",
    "Open deals of each rep carrying each flag, stacked (a deal may carry several); the most flagged at the top.",
    as_of,
)
per_rep["flags"] = per_rep[list(FLAGS)].sum(axis=1)
ranked = per_rep.sort_values("flags")
figure = go.Figure()
for column, label in FLAGS.items():
    figure.add_bar(y=ranked["rep_name"], x=ranked[column], name=label, orientation="h")
figure.update_layout(barmode="stack")
charts.draw(figure, height=max(300, 20 * len(ranked) + 140))

left, right = st.columns(2)
with left:
    charts.frame(
        "Stage velocity against the segment",
        "Each open deal's days in its stage over the mean of its segment's open deals in that stage (1 = the norm;"
        " above 1 = slower); dots are outliers.",
        as_of,
    )
    deals = query(
        "select opportunity_id, rep_name, segment, stage_name, stage_progress, amount, close_date, days_in_stage,"
        " days_in_stage_vs_segment, days_since_last_activity, close_date_push_count, is_stalled, is_pushed,"
        " is_close_date_past, is_missing_stakeholders, is_next_step_missing"
        f" from dashboards.dash_pipeline_review_deals where {where} order by stage_progress, amount desc nulls last",
        params,
    )
    # One box trace (plotly.express built a figure per call at several times the cost).
    figure = go.Figure(
        go.Box(x=deals["stage_name"], y=deals["days_in_stage_vs_segment"], boxpoints="outliers", name="")
    )
    figure.add_hline(y=1, line_dash="dot")
    figure.update_xaxes(title="stage")
    figure.update_yaxes(title="x the segment's mean")
    charts.draw(figure)
with right:
    charts.frame(
        "Week over week",
        f"What changed in the open pipeline each week of {filters.quarter}, by kind of change (money added or taken).",
        as_of,
    )
    changes = query(
        "select * from dashboards.dash_pipeline_changes_weekly"
        f" where fiscal_quarter = %s and {where} order by as_of_date",
        (filters.quarter, *params),
    )
    if changes.empty:
        charts.empty(f"No weekly snapshot in {filters.quarter} for {filters.describe()} yet.")
    else:
        # One bar per week and kind of change: the model's rows are per rep and segment, added up here.
        changes["week_ending"] = pd.to_datetime(changes["as_of_date"]).dt.strftime("%b %d")
        weekly = (
            changes.groupby(["change_type", "week_ending"], sort=False)["amount_change"].sum().reset_index()
        )
        figure = go.Figure()
        for change_type, part in weekly.groupby("change_type", sort=False):
            name, color = CHANGES.get(change_type, (change_type, None))
            figure.add_bar(x=part["week_ending"], y=part["amount_change"], name=name, marker_color=color)
        figure.update_layout(barmode="relative")
        figure.update_yaxes(tickprefix="$", tickformat="~s", title="pipeline change")
        weeks = list(dict.fromkeys(changes["week_ending"]))  # in date order, whichever change comes first
        figure.update_xaxes(title=None, type="category", categoryorder="array", categoryarray=weeks)
        charts.draw(figure)

charts.frame(
    "Deals to review",
    "Open deals carrying at least one flag, largest first. The CRM keeps no date on a next step, so only a missing"
    " one is flagged.",
    as_of,
)
flagged = deals[
    deals[
        ["is_stalled", "is_pushed", "is_close_date_past", "is_missing_stakeholders", "is_next_step_missing"]
    ]
    .fillna(False)
    .any(axis=1)
].sort_values("amount", ascending=False)
REVIEW_ROWS = 300  # a review reads the largest first; the page stays light on a large CRM
if flagged.empty:
    st.success("No open deal carries a review flag.")
else:
    if len(flagged) > REVIEW_ROWS:
        st.caption(
            f"The {REVIEW_ROWS} largest of {len(flagged)} flagged deals: filter by team or rep for the rest."
        )
    st.dataframe(
        flagged.head(REVIEW_ROWS),
        hide_index=True,
        column_config=tables.column_config(flagged.columns),
    )
