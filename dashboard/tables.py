"""Tables as a leader reads them: headers in words, dollars, percents and ratios formatted, flags as ticks.

Only the display changes (Streamlit's column_config): the frames keep the marts' column names, so what a test
reads from a table is still the warehouse's figure under the warehouse's name.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

HEADERS = {
    "level": "Level",
    "name": "Name",
    "ai_forecast": "AI forecast",
    "p10": "P10",
    "p90": "P90",
    "commit": "Commit",
    "best_case": "Best case",
    "closed_won": "Closed won",
    "stage_weighted": "Stage-weighted",
    "opportunity_id": "Opportunity",
    "rep_name": "Rep",
    "segment": "Segment",
    "stage_name": "Stage",
    "stage_progress": "Stage progress",
    "amount": "Amount",
    "ai_probability": "AI probability",
    "ai_expected_amount": "AI expected",
    "rep_forecast_category": "Rep's category",
    "ai_forecast_category": "AI's category",
    "close_date": "Close date",
    "days_in_stage": "Days in stage",
    "days_in_stage_vs_segment": "Days in stage vs segment",
    "days_since_last_activity": "Days since last activity",
    "close_date_push_count": "Close date pushes",
    "is_stalled": "Stalled",
    "is_pushed": "Pushed",
    "is_close_date_past": "Close date past",
    "is_missing_stakeholders": "No economic buyer or champion",
    "is_next_step_missing": "No next step",
}


def header(column: str) -> str:
    return HEADERS.get(column, column.replace("_", " ").capitalize())


def column_config(columns: Iterable[str], *, styled: Iterable[str] = ()) -> dict:
    """Each column's header and format; `styled` columns are formatted by a pandas Styler already (header only)."""
    styled = set(styled)
    config = {}
    for column in columns:
        label = header(column)
        if column in styled:
            config[column] = st.column_config.Column(label)
        elif column.endswith("amount"):
            config[column] = st.column_config.NumberColumn(label, format="dollar")
        elif column in ("ai_probability", "stage_progress"):
            config[column] = st.column_config.NumberColumn(label, format="percent")
        elif column == "days_in_stage_vs_segment":
            config[column] = st.column_config.NumberColumn(label, format="%.1fx")
        elif column.startswith("days") or column.endswith("count"):
            config[column] = st.column_config.NumberColumn(label, format="%d")
        elif column.startswith("is_"):
            config[column] = st.column_config.CheckboxColumn(label)
        else:
            config[column] = st.column_config.Column(label)
    return config
