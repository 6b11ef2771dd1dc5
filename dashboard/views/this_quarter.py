"""This quarter: the AI forecast and its range beside the reps' calls and the closed-won to date, how both
moved week by week, and the deals that move the number most (marts.fct_forecast_snapshots,
dashboards.dash_forecast_deals)."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboard import charts, tables
from dashboard.data import query

NO_COMMIT, NO_CALL = "no commit submitted", "none submitted"

filters = st.session_state["filters"]
level, group = filters.forecast_scope()
st.title("This quarter")

snapshots = query(
    "select * from marts.fct_forecast_snapshots where fiscal_quarter = %s and forecast_level = %s"
    " and forecast_group = %s order by as_of_date",
    (filters.quarter, level, group),
)
if snapshots.empty:
    charts.empty(
        f"No forecast for {filters.describe()} in {filters.quarter}: no snapshot date of it is built yet."
    )
    st.stop()
latest = snapshots.iloc[-1]
as_of = str(latest["as_of_date"])
st.caption(
    f"{filters.quarter}, {filters.describe()}, as of {as_of} (week {latest['week_of_quarter']} of the quarter)."
    + (
        " The segment filter does not apply here: the forecast is rolled up per rep, team and company."
        if filters.segment
        else ""
    )
)

ai_forecast = latest["ai_forecast_amount"]
cols = st.columns(5)
cols[0].metric(
    "AI forecast",
    charts.money(ai_forecast),
    help="Closed won + open pipeline x p(close in quarter) + expected wins of deals not created yet.",
)
cols[1].metric(
    "P10 – P90",
    charts.money_range(latest["ai_forecast_p10_amount"], latest["ai_forecast_p90_amount"]),
    help="The AI forecast's 80% range: the quarter should land between them four times in five.",
)
cols[2].metric("Commit", charts.money(latest["commit_amount"]), help="The reps' latest commit calls, summed.")
cols[3].metric("Best case", charts.money(latest["best_case_amount"]))
cols[4].metric("Closed won to date", charts.money(latest["closed_won_amount"]))
if ai_forecast is None or ai_forecast != ai_forecast:
    charts.empty(f"No AI forecast on {as_of}: the morning job did not score that date (run `momentum run`).")

left, right = st.columns(2)
with left:
    charts.frame(
        "The AI forecast and the calls",
        "The AI forecast (bar: closed won, expected open pipeline, expected not-yet-created deals, expected wins of deals dated after the quarter; whisker: P10–P90)"
        " beside the reps' commit and best case and the stage-weighted forecast.",
        as_of,
    )
    figure = go.Figure()
    parts = {
        "closed_won_amount": "Closed won",
        "ai_expected_pipeline_amount": "Open pipeline (expected)",
        "not_yet_created_expected_amount": "Not yet created (expected)",
    }
    if "pull_in_expected_amount" in latest:  # marts built before the backtest have no pull-in line
        parts["pull_in_expected_amount"] = "Pulled in (expected)"
    for column, label in parts.items():
        figure.add_bar(x=["AI forecast"], y=[latest[column]], name=label, marker_color=charts.PALETTE[label])
    figure.add_scatter(
        x=["AI forecast"],
        y=[ai_forecast],
        mode="markers",
        name="P10–P90",
        marker={"color": "#1e3a8a", "size": 9},
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [latest["ai_forecast_p90_amount"] - ai_forecast] if ai_forecast == ai_forecast else [0],
            "arrayminus": [ai_forecast - latest["ai_forecast_p10_amount"]]
            if ai_forecast == ai_forecast
            else [0],
        },
    )
    for column, label in (("commit_amount", "Commit"), ("best_case_amount", "Best case"),
                          ("stage_weighted_forecast_amount", "Stage-weighted")):  # fmt: skip
        figure.add_bar(x=[label], y=[latest[column]], name=label, marker_color=charts.PALETTE[label])
    figure.update_layout(barmode="stack", showlegend=True)
    figure.update_yaxes(tickprefix="$", tickformat="~s")
    charts.draw(figure)
with right:
    charts.frame(
        "Week by week",
        "The AI forecast, the commit, the stage-weighted forecast and the closed-won as they stood on each snapshot"
        " date of the quarter (the AI forecast exists on the dates the morning job scored).",
        as_of,
    )
    charts.draw(
        charts.lines(
            snapshots,
            "as_of_date",
            {
                "ai_forecast_amount": "AI forecast",
                "commit_amount": "Commit",
                "stage_weighted_forecast_amount": "Stage-weighted",
                "closed_won_amount": "Closed won",
            },
        )
    )

charts.frame(
    "By team and rep",
    "The same figures, to the cent, for the filter's roll-up and each team and rep under it.",
    as_of,
)
scope_clause = {"company": "true", "team": "team = %s", "rep": "owner_id = %s"}[level]
rollups = query(
    "select s.forecast_level as level, coalesce(r.rep_name, s.forecast_group) as name,"
    " s.ai_forecast_amount as ai_forecast, s.ai_forecast_p10_amount as p10, s.ai_forecast_p90_amount as p90,"
    " s.commit_amount as commit, s.best_case_amount as best_case, s.closed_won_amount as closed_won,"
    " s.stage_weighted_forecast_amount as stage_weighted from marts.fct_forecast_snapshots s"
    " left join marts.dim_reps r on r.user_id = s.owner_id"
    f" where s.as_of_date = %s and ({scope_clause} or s.forecast_level = %s and s.forecast_group = %s)"
    " order by array_position(array['company', 'team', 'rep'], s.forecast_level), s.ai_forecast_amount desc nulls last",
    (latest["as_of_date"], *(() if level == "company" else (group,)), level, group),
)
# Dollars to the cent; a rep who submitted no call for the quarter reads so, not "None".
money_columns = list(rollups.columns[2:])
st.dataframe(
    rollups.style.format("${:,.2f}", subset=money_columns, na_rep="—")
    .format("${:,.2f}", subset=["commit"], na_rep=NO_COMMIT)
    .format("${:,.2f}", subset=["best_case"], na_rep=NO_CALL),
    hide_index=True,
    column_config=tables.column_config(rollups.columns, styled=money_columns),
)

charts.frame(
    "The deals that move the number",
    "Open deals closing this quarter: the largest expected amounts (amount x the AI's probability), and the largest"
    " disagreements between the AI's category and the rep's.",
    as_of,
)
if not bool(latest["is_current"]):
    charts.empty(f"Deal by deal is shown for the current quarter only; {filters.quarter} is past.")
else:
    where, params = filters.where()
    deals = query(
        "select opportunity_id, rep_name, stage_name, amount, ai_probability, ai_expected_amount,"
        " rep_forecast_category, ai_forecast_category, close_date, segment, is_category_disagreement,"
        f" disagreement_amount from dashboards.dash_forecast_deals where {where}",
        params,
    )
    if deals.empty:
        charts.empty(f"No open deal of {filters.describe()} closes in {filters.quarter}.")
    else:
        columns = tables.column_config(deals.columns)
        # Full width, one after the other: the categories and amounts are what a leader reads, not the ids.
        order = ["opportunity_id", "rep_name", "stage_name", "amount", "ai_probability", "ai_expected_amount",
                 "rep_forecast_category", "ai_forecast_category", "close_date"]  # fmt: skip
        st.markdown("**Largest expected amounts**")
        st.dataframe(
            deals.nlargest(10, "ai_expected_amount"),
            hide_index=True,
            column_config=columns,
            column_order=order,
        )
        st.markdown("**The AI's category and the rep's disagree** (largest difference in money first)")
        disagreements = deals[deals["is_category_disagreement"].fillna(False)].nlargest(
            10, "disagreement_amount"
        )
        if deals["ai_forecast_category"].isna().all():
            st.info(
                "No AI forecast category yet: it needs a slip model (p_close_in_quarter), and the CRM gets none."
            )
        elif disagreements.empty:
            st.info("The AI's category and the rep's agree on every deal.")
        else:
            st.dataframe(disagreements, hide_index=True, column_config=columns, column_order=order)
