"""Plotly figures in one style, and the frame every chart sits in: a title, what it shows and as of when.

Nothing here loads a resource from the network: Streamlit serves plotly.js itself, the fonts are the
browser's, and no chart is a map (map tiles would come from a CDN).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

PALETTE = {
    "AI forecast": "#2563eb",
    "Commit": "#f59e0b",
    "Best case": "#a855f7",
    "Closed won": "#16a34a",
    "Stage-weighted": "#64748b",
    "Open pipeline (expected)": "#60a5fa",
    "Not yet created (expected)": "#bfdbfe",
    "Pulled in (expected)": "#93c5fd",
    "Won": "#16a34a",
    "Lost": "#dc2626",
}
# plotly_white's layout without its defaults for every trace type: assigning the named template copied and
# validated some fifty trace templates per chart (a third of a page's server time on a loaded machine) and sent
# them to the browser with each chart, though a page draws bars, lines, boxes and markers only.
WHITE = go.layout.Template(layout=pio.templates["plotly_white"].layout)
PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def money(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"${value:,.0f}"


def short_money(value: float | None) -> str:
    """$299k, $1.2M: for figures that share a metric tile."""
    if value is None or pd.isna(value):
        return "—"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"${value / size:.3g}{suffix}"
    return f"${value:,.0f}"


def money_range(low: float | None, high: float | None) -> str:
    """$299–564k, $11.2–12.5M: a range short enough for a metric tile, both ends in the larger end's unit."""
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return "—"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k"), (1, "")):
        if abs(high) >= size or size == 1:
            return f"${low / size:.3g}–{high / size:.3g}{suffix}"
    return "—"


def percent(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.0%}"


def frame(title: str, shows: str, as_of: str | None) -> None:
    """The heading and caption every chart or table has: what it shows and as of when."""
    st.subheader(title)
    st.caption(f"{shows} As of {as_of or 'the last build'}.")


def draw(figure: go.Figure, *, height: int = 340) -> None:
    figure.update_layout(
        template=WHITE,
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"automargin": True},
        # Below the plot: above it, the legend would sit under plotly's toolbar. Lower under an x-axis title,
        # which it would otherwise cover.
        legend={
            "orientation": "h",
            "yanchor": "top",
            "y": -0.3 if figure.layout.xaxis.title.text else -0.15,
            "x": 0,
        },
    )
    st.plotly_chart(figure, config=PLOTLY_CONFIG)


def empty(why: str) -> None:
    """An empty state that says why it is empty (and what would fill it)."""
    st.info(why, icon="ℹ️")


def bars(
    frame_: pd.DataFrame, x: str, series: dict[str, str], *, money_axis: bool = True, **layout
) -> go.Figure:
    """Grouped bars: one trace per (column -> label) of `series`."""
    figure = go.Figure()
    for column, label in series.items():
        figure.add_bar(x=frame_[x], y=frame_[column], name=label, marker_color=PALETTE.get(label))
    figure.update_layout(barmode="group", **layout)
    if money_axis:
        figure.update_yaxes(tickprefix="$", tickformat="~s")
    return figure


def counted_bars(frame_: pd.DataFrame, category: str, color: str, colors: dict[str, str]) -> go.Figure:
    """Horizontal bars of how many rows each `category` value has, stacked by `color`: counted here, so the page
    sends one number per bar rather than every row for the browser to count."""
    counts = frame_.groupby([category, color], dropna=False).size().rename("count").reset_index()
    order = counts.groupby(category, dropna=False)["count"].sum().sort_values().index  # largest on top
    figure = go.Figure()
    for value, part in counts.groupby(color, dropna=False, sort=False):
        figure.add_bar(
            y=part[category],
            x=part["count"],
            name=str(value),
            orientation="h",
            marker_color=colors.get(value),
        )
    figure.update_layout(barmode="stack")
    figure.update_yaxes(categoryorder="array", categoryarray=list(order))
    return figure


def lines(frame_: pd.DataFrame, x: str, series: dict[str, str], *, money_axis: bool = True) -> go.Figure:
    figure = go.Figure()
    for column, label in series.items():
        figure.add_scatter(
            x=frame_[x],
            y=frame_[column],
            name=label,
            mode="lines+markers",
            line={"color": PALETTE.get(label)},
        )
    if money_axis:
        figure.update_yaxes(tickprefix="$", tickformat="~s")
    return figure


def add_range_band(figure: go.Figure, frame_: pd.DataFrame, x: str, low: str, high: str) -> None:
    """Shade the P10–P90 range behind the lines (drawn first, so the forecasts stay on top)."""
    band = frame_.dropna(subset=[low, high])
    if band.empty:
        return
    figure.add_scatter(
        x=band[x], y=band[high], mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"
    )
    figure.add_scatter(
        x=band[x], y=band[low], mode="lines", line={"width": 0}, fill="tonexty", name="AI P10–P90",
        fillcolor="rgba(37, 99, 235, 0.15)",
    )  # fmt: skip
    figure.data = figure.data[-2:] + figure.data[:-2]


def label_points(figure: go.Figure, trace_name: str, labels: pd.Series) -> None:
    """Show `labels` in the hover box of the trace named `trace_name` (for example where each point comes from)."""
    figure.update_traces(
        selector={"name": trace_name},
        text=list(labels),
        hovertemplate="%{x}: %{y:$,.0f} (%{text})<extra>" + trace_name + "</extra>",
    )
