"""Forecast accuracy: for every complete quarter and week of quarter, the error of the AI forecast, the commit
and the stage-weighted pipeline against the actual, and how often the actual fell inside the AI's range
(marts.fct_forecast_accuracy, dashboards.dash_forecast_accuracy_by_week)."""

from __future__ import annotations

import streamlit as st

from dashboard import charts
from dashboard.data import current_as_of, query

filters = st.session_state["filters"]
level, group = filters.forecast_scope()
as_of = current_as_of()
st.title("Forecast accuracy")
st.caption(
    f"{filters.describe()}: every fiscal quarter complete before {as_of}, week by week."
    + (
        " The segment filter does not apply: accuracy is measured per rep, team and company."
        if filters.segment
        else ""
    )
)

by_week = query(
    "select * from dashboards.dash_forecast_accuracy_by_week where forecast_level = %s and forecast_group = %s"
    " order by week_of_quarter",
    (level, group),
)
if by_week.empty:
    charts.empty("No complete quarter yet: accuracy is measured once a quarter has ended.")
    st.stop()

ai_measured = int(by_week["ai_weeks"].sum())
backtest_weeks, morning_weeks = int(by_week["backtest_weeks"].sum()), int(by_week["morning_run_weeks"].sum())
cols = st.columns(4)
cols[0].metric("Quarters measured", int(by_week["quarters"].max()))
cols[1].metric("Weeks with an AI forecast", ai_measured)
cols[2].metric("Of them from the backtest", backtest_weeks)
cols[3].metric("Weeks measured", int(by_week["quarters"].sum()))
if ai_measured:
    st.caption(
        f"Where the AI forecast of past weeks comes from: {backtest_weeks} from the walk-forward backtest (models"
        f" trained only on deals closed before each quarter began), {morning_weeks} from morning runs."
    )
else:
    charts.empty(
        "No backtest yet — run `momentum retrain`: the AI forecast of past weeks exists only for dates the morning"
        " job scored, and none of the complete quarters' weeks was. The commit and stage-weighted errors are shown."
    )

left, right = st.columns(2)
with left:
    charts.frame(
        "How far off, by week of quarter",
        "Mean absolute error as a share of the actual closed-won, over the complete quarters, for the forecast made"
        " in each week of the quarter (lower is better).",
        as_of,
    )
    figure = charts.bars(
        by_week,
        "week_of_quarter",
        {
            "ai_mean_abs_pct_error": "AI forecast",
            "commit_mean_abs_pct_error": "Commit",
            "stage_weighted_mean_abs_pct_error": "Stage-weighted",
        },
        money_axis=False,
    )
    figure.update_yaxes(tickformat=".0%")
    figure.update_xaxes(title="week of quarter", dtick=1)
    charts.draw(figure)
with right:
    charts.frame(
        "Actual inside the AI's P10–P90 range",
        "Share of the quarters whose actual fell inside the range the AI forecast gave in that week (about 80% if"
        " the range is honest).",
        as_of,
    )
    if ai_measured == 0:
        charts.empty("No AI range to judge yet (no backtest yet — run `momentum retrain`).")
    else:
        figure = charts.bars(
            by_week, "week_of_quarter", {"share_actual_within_ai_range": "AI forecast"}, money_axis=False
        )
        figure.add_hline(y=0.8, line_dash="dot", annotation_text="80%")
        figure.update_yaxes(tickformat=".0%", range=[0, 1])
        figure.update_xaxes(title="week of quarter", dtick=1)
        charts.draw(figure)

quarters = query(
    "select distinct fiscal_quarter from marts.fct_forecast_accuracy where forecast_level = %s and forecast_group = %s"
    " order by fiscal_quarter desc",
    (level, group),
)["fiscal_quarter"].tolist()
quarter = filters.quarter if filters.quarter in quarters else quarters[0]
charts.frame(
    f"{quarter}: each week's forecasts against the actual",
    "The forecasts made in each week of the quarter, the AI's P10–P90 range (shaded) and the quarter's actual"
    " closed-won (the dotted line); hover an AI point for where it comes from (backtest or morning run)."
    + (
        ""
        if filters.quarter in quarters
        else f" {filters.quarter} is not complete: showing the latest complete quarter."
    ),
    as_of,
)
weeks = query(
    "select * from marts.fct_forecast_accuracy where forecast_level = %s and forecast_group = %s and fiscal_quarter = %s"
    " order by week_of_quarter",
    (level, group, quarter),
)
figure = charts.lines(
    weeks,
    "week_of_quarter",
    {  # the AI last, on top: where it equals the stage-weighted forecast it would otherwise be hidden
        "stage_weighted_forecast_amount": "Stage-weighted",
        "commit_amount": "Commit",
        "ai_forecast_amount": "AI forecast",
    },
)
charts.add_range_band(figure, weeks, "week_of_quarter", "ai_forecast_p10_amount", "ai_forecast_p90_amount")
charts.label_points(
    figure, "AI forecast", weeks["ai_forecast_source"].fillna("not scored").str.replace("_", " ")
)
figure.add_hline(
    y=float(weeks["actual_closed_won_amount"].iloc[0]), line_dash="dot", annotation_text="actual"
)
figure.update_xaxes(title="week of quarter", dtick=1)
charts.draw(figure)
