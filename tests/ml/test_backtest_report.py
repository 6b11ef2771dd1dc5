"""The backtest report (ml/backtest/report.py, rep_bias.py) on hand-made forecast rows."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from ml.backtest.rep_bias import bias_corrected_commit
from ml.backtest.report import add_rep_derived_forecasts, backtest_report, coverage

Q1_END, Q2_END = date(2026, 3, 31), date(2026, 6, 30)


def row(level, group, as_of, week, quarter_end, ai, p10, p90, commit, actual, *, team="East", owner=None):
    return {
        "forecast_level": level,
        "forecast_group": group,
        "owner_id": owner if level == "rep" else None,
        "team": team if level != "company" else None,
        "as_of_date": as_of,
        "fiscal_quarter": "2026-Q1" if quarter_end == Q1_END else "2026-Q2",
        "week_of_quarter": week,
        "fiscal_quarter_end_date": quarter_end,
        "is_quarter_complete": True,
        "ai": ai,
        "ai_p10": p10,
        "ai_p90": p90,
        "ai_forecast_source": "backtest",
        "commit": commit,
        "stage_weighted": 2 * actual,
        "closed_won": 0.0,
        "actual_amount": actual,
        # the whole forecast in the pipeline part (closed-won 0, nothing pulled in or not created yet)
        "ai_expected_pipeline": ai,
        "pipeline_won": actual,
        "pull_in_expected": 0.0,
        "pull_in_won": None,
        "not_yet_created_expected": 0.0,
        "not_yet_created_won": 0.0,
    }


def test_coverage_counts_the_actual_inside_p10_p90_inclusive_and_skips_rows_without_a_range():
    rows = pd.DataFrame(
        {
            "actual_amount": [100.0, 100.0, 100.0, 100.0, 100.0],
            "ai_p10": [90.0, 100.0, 101.0, 50.0, None],
            "ai_p90": [110.0, 120.0, 150.0, 99.0, None],
        }
    )
    # in, in (on the edge), above the actual, below the actual, no range
    assert coverage(rows) == 0.5
    assert coverage(rows.iloc[4:]) is None


def test_bias_corrected_commit_learns_only_from_quarters_complete_before_the_date():
    reps = pd.DataFrame(
        [
            # Q1: rep a committed 80 and closed 100 (ratio 1.25); rep b has no Q1 call
            {"owner_id": "a", "as_of_date": date(2026, 2, 2), "week_of_quarter": 5, "fiscal_quarter_end_date": Q1_END,
             "commit_amount": 80.0, "actual_amount": 100.0},
            # Q2, week 5: a's ratio from Q1 applies; b falls back to 1
            {"owner_id": "a", "as_of_date": date(2026, 5, 4), "week_of_quarter": 5, "fiscal_quarter_end_date": Q2_END,
             "commit_amount": 40.0, "actual_amount": 1000.0},
            {"owner_id": "b", "as_of_date": date(2026, 5, 4), "week_of_quarter": 5, "fiscal_quarter_end_date": Q2_END,
             "commit_amount": 60.0, "actual_amount": 10.0},
            # Q2, week 7: no week-7 row in Q1, so all of a's Q1 weeks
            {"owner_id": "a", "as_of_date": date(2026, 5, 18), "week_of_quarter": 7, "fiscal_quarter_end_date": Q2_END,
             "commit_amount": 40.0, "actual_amount": 1000.0},
        ]
    )  # fmt: skip
    corrected = bias_corrected_commit(reps)
    # Q1's own row: no quarter complete before it, the commit as called (Q2's actual, known later, is not used)
    assert corrected.tolist() == [80.0, 50.0, 60.0, 50.0]


@pytest.fixture
def report() -> dict:
    rows = []
    for as_of, week, quarter_end in ((date(2026, 2, 2), 5, Q1_END), (date(2026, 5, 4), 5, Q2_END)):
        for rep, team in (("a", "East"), ("b", "West")):
            rows.append(
                row(
                    "rep", rep, as_of, week, quarter_end, 90.0, 80.0, 120.0, 70.0, 100.0, team=team, owner=rep
                )
            )
        rows.append(row("team", "East", as_of, week, quarter_end, 90.0, 80.0, 95.0, 70.0, 100.0))
        rows.append(
            row("team", "West", as_of, week, quarter_end, 110.0, 100.0, 120.0, 130.0, 100.0, team="West")
        )
        rows.append(row("company", "company", as_of, week, quarter_end, 200.0, 150.0, 250.0, 140.0, 200.0))
    oracle = pd.DataFrame({"owner_id": ["a", "b"] * 2, "as_of_date": [date(2026, 2, 2)] * 2 + [date(2026, 5, 4)] * 2,
                           "oracle_expected_amount": [95.0, 100.0, 95.0, 100.0]})  # fmt: skip
    return backtest_report(add_rep_derived_forecasts(pd.DataFrame(rows), oracle), date(2026, 7, 6))


def test_report_json_shape(report):
    json.dumps(report)  # plain JSON
    assert set(report) == {"as_of_date", "quarters", "forecasts", "levels", "target", "ai_forecast_source"}
    assert report["forecasts"] == ["ai", "commit", "bias_corrected_commit", "stage_weighted", "oracle"]
    assert report["quarters"] == ["2026-Q1", "2026-Q2"]
    assert set(report["levels"]) == {"company", "team", "rep"}
    for level in report["levels"].values():
        for entry in [*level["by_week"], level["all_weeks"]]:
            assert {"rows", "mape", "mae", "p10_p90_coverage"} <= set(entry)
            assert set(entry["mape"]) == set(report["forecasts"])
        assert {"by_week", "all_weeks"} == set(level["ai_components"])
    assert set(report["target"]) == {"level", "from_week", "rows", "mae", "ai_to_commit", "ai_to_oracle",
                                      "p10_p90_coverage"}  # fmt: skip
    assert report["ai_forecast_source"] == {"backtest": 10}


def test_report_errors_and_team_target(report):
    team = report["levels"]["team"]["all_weeks"]
    # East: AI 90 vs 100, commit 70; West: AI 110, commit 130 (both quarters alike)
    assert team["mape"]["ai"] == 0.1 and team["mae"]["ai"] == 10.0
    assert team["mape"]["commit"] == 0.3
    assert team["p10_p90_coverage"] == 0.5  # West's 100..120 holds 100, East's 80..95 does not
    # the oracle per team = closed won (0) + its reps' expected: East 95, West 100
    assert team["mae"]["oracle"] == 2.5
    target = report["target"]
    assert (target["level"], target["from_week"], target["rows"]) == ("team", 4, 4)
    assert target["ai_to_commit"] == round(10 / 30, 3)
    assert target["ai_to_oracle"] == 4.0
    # the AI's whole error sits in its pipeline part: East -10, West +10 of an actual of 100
    parts = report["levels"]["team"]["ai_components"]["all_weeks"]
    assert parts["pipeline"] == {"mape": 0.1, "bias": 0.0}
    assert parts["pull_ins"] == parts["not_yet_created"] == {"mape": 0.0, "bias": 0.0}
