"""Win-loss: win rate and cycle length by segment, lead source, deal type, rep and furthest stage reached; where
lost deals stall; amounts won and lost (dashboards.dash_win_loss)."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboard import charts
from dashboard.data import current_as_of, query

filters = st.session_state["filters"]
as_of = current_as_of()
st.title("Win-loss")
scope = st.radio(
    "Deals closed in", [f"{filters.quarter}", "every quarter"], horizontal=True, key="win_loss_scope"
)
where, params = filters.where()
if scope != "every quarter":
    where, params = f"{where} and closed_fiscal_quarter = %s", (*params, filters.quarter)
rows = query(f"select * from dashboards.dash_win_loss where {where}", params)
st.caption(f"Deals closed before {as_of}, {filters.describe()}, closed in {scope}.")
if rows.empty:
    charts.empty(f"No deal of {filters.describe()} closed in {scope}.")
    st.stop()

MEASURES = ["closed_count", "won_count", "lost_count", "won_amount", "lost_amount", "cycle_days_sum"]


def by(dimension: str):
    """The filter's rows of one dimension added up per value; ratios from the added-up counts."""
    part = rows[rows["dimension"] == dimension]
    summed = part.groupby(["dimension_value"], as_index=False, dropna=False).agg(
        {**dict.fromkeys(MEASURES, "sum"), "dimension_sort_order": "min"}
    )
    summed["win_rate"] = summed["won_count"] / summed["closed_count"]
    summed["mean_cycle_days"] = summed["cycle_days_sum"] / summed["closed_count"]
    return summed


segments = by("segment")
totals = segments[MEASURES].sum()
cols = st.columns(4)
cols[0].metric("Closed deals", int(totals["closed_count"]))
cols[1].metric("Win rate", charts.percent(totals["won_count"] / totals["closed_count"]))
cols[2].metric(
    "Won",
    charts.money(totals["won_amount"]),
    help="Every deal won, whoever owns it. This quarter's closed won counts the deals reps own.",
)
cols[3].metric("Lost", charts.money(totals["lost_amount"]))
# The forecast rolls closed-won up per rep, so a won deal that no rep owns (no owner in the CRM, or a user who is
# not a rep) is in no forecast: say so, or the two pages' closed-won disagree for the same quarter.
unowned = rows[(rows["dimension"] == "segment") & rows["rep_name"].isna()]
if unowned["won_amount"].sum() > 0:
    st.caption(
        f"Won includes {charts.money(unowned['won_amount'].sum())} in {int(unowned['won_count'].sum())} deals that"
        " no rep owns: the forecast pages roll closed-won up per rep and leave them out."
    )

dimension = st.selectbox(
    "Break down by",
    ["segment", "lead_source", "opportunity_type", "rep"],
    format_func=lambda d: d.replace("_", " "),
    key="win_loss_dimension",
)
breakdown = by(dimension).sort_values("win_rate", ascending=False)
left, right = st.columns(2)
with left:
    charts.frame(
        f"Win rate by {dimension.replace('_', ' ')}",
        "Won / closed deals; the label is the deal count.",
        as_of,
    )
    figure = go.Figure(
        go.Bar(
            x=breakdown["dimension_value"],
            y=breakdown["win_rate"],
            text=breakdown["closed_count"],
            marker_color=charts.PALETTE["Won"],
        )
    )
    figure.update_yaxes(tickformat=".0%", range=[0, 1])
    charts.draw(figure)
with right:
    charts.frame(
        f"Cycle length by {dimension.replace('_', ' ')}",
        "Mean days from creation to close of closed deals.",
        as_of,
    )
    figure = go.Figure(
        go.Bar(x=breakdown["dimension_value"], y=breakdown["mean_cycle_days"], marker_color="#64748b")
    )
    figure.update_yaxes(title="days")
    charts.draw(figure)

left, right = st.columns(2)
stages = by("furthest_stage").sort_values("dimension_sort_order")
with left:
    charts.frame(
        "Where lost deals stall",
        "Lost deals by the furthest open stage they reached (where they died), and the won deals that reached it.",
        as_of,
    )
    charts.draw(
        charts.bars(stages, "dimension_value", {"lost_count": "Lost", "won_count": "Won"}, money_axis=False)
    )
with right:
    charts.frame("Amounts won and lost", f"Money won and lost by {dimension.replace('_', ' ')}.", as_of)
    charts.draw(charts.bars(breakdown, "dimension_value", {"won_amount": "Won", "lost_amount": "Lost"}))
