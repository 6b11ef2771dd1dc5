"""Models: the champions' holdout AUC and Brier score against the baselines, their calibration (on the holdout,
and live on scored deals since closed), the latest drift and calibration checks, and links to their MLflow runs
(MLflow's store, dashboards.dash_model_calibration, Dagster's check history)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import charts
from dashboard.data import current_as_of, mlflow_query, query
from dashboard.drift import drift_figure
from dashboard.monitoring import latest_checks

MLFLOW_UI = "http://127.0.0.1:5000"  # where `mlflow ui` serves by default
SCORERS = {"holdout": "Model", "baseline_stage": "Stage probability", "baseline_crm_probability": "CRM probability",
           "baseline_forecast": "Forecast category"}  # fmt: skip

as_of = current_as_of()
st.title("Models")
st.caption(
    "The models are the same for every team, rep and segment: the filters do not apply here."
    f" Runs open in the MLflow UI at {MLFLOW_UI} once it runs (`mlflow ui --backend-store-uri <MLflow database URL>`,"
    " printed by `momentum demo`)."
)

champions = mlflow_query(
    "select a.name as model_name, a.version, mv.run_id, r.experiment_id, r.artifact_uri,"
    " to_timestamp(r.start_time / 1000.0) as trained_at from registered_model_aliases a"
    " join model_versions mv on mv.name = a.name and mv.version = a.version"
    " join runs r on r.run_uuid = mv.run_id where a.alias = 'champion' order by a.name"
)
if champions.empty:
    charts.empty(
        "No champion model yet: scores come from the stage probability until `momentum retrain` promotes one."
    )
else:
    metrics = mlflow_query(
        "select run_uuid as run_id, key, value from latest_metrics where run_uuid = any(%s)",
        (list(champions["run_id"]),),
    )
    for champion in champions.itertuples():
        st.header(f"{champion.model_name} v{champion.version}")
        run_link = f"{MLFLOW_UI}/#/experiments/{champion.experiment_id}/runs/{champion.run_id}"
        st.markdown(
            f"Trained {champion.trained_at:%Y-%m-%d %H:%M} UTC · MLflow run [{champion.run_id}]({run_link})"
        )
        values = metrics[metrics["run_id"] == champion.run_id].set_index("key")["value"]
        scored = pd.DataFrame(
            [
                {"scorer": label, "AUC": values.get(f"{prefix}_auc"), "Brier": values.get(f"{prefix}_brier")}
                for prefix, label in SCORERS.items()
            ]
        )
        left, right = st.columns(2)
        with left:
            charts.frame(
                "AUC and Brier score on the holdout",
                "The champion against the baselines on its out-of-time holdout: AUC (higher is better) and Brier"
                " score (lower is better).",
                f"its training run ({champion.trained_at:%Y-%m-%d})",
            )
            figure = go.Figure()
            figure.add_bar(x=scored["scorer"], y=scored["AUC"], name="AUC", marker_color="#2563eb")
            figure.add_bar(x=scored["scorer"], y=scored["Brier"], name="Brier", marker_color="#f59e0b")
            figure.update_layout(barmode="group")
            charts.draw(figure)
        with right:
            charts.frame(
                "Calibration on the holdout",
                "Predicted probability against the observed rate, from the training run (MLflow artifact).",
                f"its training run ({champion.trained_at:%Y-%m-%d})",
            )
            plot = Path(unquote(urlsplit(champion.artifact_uri).path)) / "calibration.png"
            if plot.exists():
                st.image(str(plot))
            else:
                charts.empty(
                    f"The run's calibration plot is not at {plot} (MLflow artifacts are under MOMENTUM_HOME)."
                )

charts.frame(
    "Live calibration",
    "Every win score a deal received that has closed since, in tenths of p_win: mean score against the share won"
    " (on the diagonal = calibrated).",
    as_of,
)
live = query("select * from dashboards.dash_model_calibration order by model_version, probability_bin")
if live.empty:
    charts.empty(
        "No scored deal has closed yet: live calibration needs deals that closed after they were scored."
    )
else:
    figure = go.Figure()
    figure.add_scatter(
        x=[0, 1], y=[0, 1], mode="lines", name="calibrated", line={"dash": "dot", "color": "#94a3b8"}
    )
    for version, part in live.groupby("model_version"):
        figure.add_scatter(x=part["mean_p_win"], y=part["win_rate"], mode="lines+markers", name=f"v{version}",
                           text=part["scores"])  # fmt: skip
    figure.update_xaxes(title="mean p_win", range=[0, 1])
    figure.update_yaxes(title="share won", range=[0, 1])
    charts.draw(figure)

charts.frame(
    "Drift and calibration checks",
    "The latest morning run's monitoring checks on today's scores (warnings: the run goes on). Feature drift is the"
    " population stability index (PSI) of each feature against the champion's training-day pipeline; a feature"
    " shifted when its PSI passes its warn level: 0.25, or its sampling noise when that is higher (features that"
    " vary per rep or account have few distinct values, so more noise).",
    as_of,
)
checks = latest_checks()
if not checks:
    charts.empty(
        "No monitoring check recorded yet: the morning job (`momentum run`) records them in Dagster."
    )
for check in checks:
    verdict = "passed" if check.passed else "warned"
    st.markdown(f"**{check.name}** — {verdict}, {check.evaluated_at}")
    if check.description:
        st.caption(check.description)
    figure = drift_figure(check.metadata)
    if figure is not None:
        # A row per feature tall enough for plotly to print every feature's name, plus the axis and legend.
        charts.draw(figure, height=max(240, 26 * len(figure.layout.yaxis.categoryarray) + 110))
