"""The feature-drift chart of the Models page, drawn from the drift check's metadata so it says what the check says.

The check (orchestration/ml/drift_checks.py) records each feature's PSI (`psi_<feature>`) and, since this chart,
its warn level (`warn_above_<feature>`: 0.25 or the feature's sampling noise, whichever is higher). A single line
at 0.25 made features above it look shifted when the check, judging them against their noise, said they were not.
"""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard import charts

PSI_WARN = 0.25  # ml/monitoring/measures.py PSI_WARN: the floor of every feature's warn level
SHIFTED, WITHIN = "Shifted", "Within its warn level"
COLORS = {SHIFTED: charts.PALETTE["Lost"], WITHIN: "#2563eb"}


def drift_figure(metadata: dict[str, float | str]) -> go.Figure | None:
    """Horizontal bars of each feature's PSI, largest on top, coloured by whether it passed its warn level (drawn as
    a tick per feature); None when the check recorded no PSI."""
    psi = {
        name.removeprefix("psi_"): float(value) for name, value in metadata.items() if name.startswith("psi_")
    }
    if not psi:
        return None
    recorded = {
        name.removeprefix("warn_above_"): float(v)
        for name, v in metadata.items()
        if name.startswith("warn_above_")
    }
    features = sorted(psi, key=psi.get)  # plotly draws the first category at the bottom
    # A run recorded before the warn levels were: the floor is all the chart can say.
    warn = {feature: recorded.get(feature, PSI_WARN) for feature in features}
    figure = go.Figure()
    for label in (WITHIN, SHIFTED):
        chosen = [f for f in features if (psi[f] > warn[f]) == (label == SHIFTED)]
        figure.add_bar(
            x=[psi[f] for f in chosen], y=chosen, orientation="h", name=label, marker_color=COLORS[label]
        )
    figure.add_scatter(
        x=[warn[f] for f in features],
        y=features,
        mode="markers",
        name="Warn level" if recorded else f"Warn level ({PSI_WARN}; this run did not record the noise)",
        marker={"symbol": "line-ns-open", "size": 14, "color": "#0f172a", "line": {"width": 2}},
    )
    figure.update_layout(barmode="overlay", yaxis={"categoryorder": "array", "categoryarray": features})
    figure.update_xaxes(title="PSI")
    return figure
