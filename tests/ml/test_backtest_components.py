"""The AI forecast's error split into its parts (ml/backtest/components.py) on hand-made forecast rows."""

from __future__ import annotations

import pandas as pd

from ml.backtest.components import component_errors, component_errors_by_week


def part_row(week, actual, *, pipeline, pull_ins, new, ai=1.0):
    """A row whose parts were forecast as (expected, won) pairs."""
    return {
        "week_of_quarter": week,
        "ai": ai,
        "actual_amount": actual,
        "ai_expected_pipeline": pipeline[0],
        "pipeline_won": pipeline[1],
        "pull_in_expected": pull_ins[0],
        "pull_in_won": pull_ins[1],
        "not_yet_created_expected": new[0],
        "not_yet_created_won": new[1],
    }


def test_each_part_is_measured_against_its_own_truth_as_a_share_of_the_actual():
    rows = pd.DataFrame(
        [
            # pipeline 60 expected, 50 won (+10 of 100); pull-ins 5 vs 15 (-10); new 10 vs 10 (0)
            part_row(4, 100.0, pipeline=(60.0, 50.0), pull_ins=(5.0, 15.0), new=(10.0, 10.0)),
            # pipeline 30 vs 50 (-20 of 200: -0.1); pull-ins 20 vs 0 (+0.1); new 0 vs 20 (-0.1)
            part_row(5, 200.0, pipeline=(30.0, 50.0), pull_ins=(20.0, None), new=(0.0, 20.0)),
        ]
    )
    errors = component_errors(rows)
    assert errors["rows"] == 2
    assert errors["pipeline"] == {"mape": 0.1, "bias": 0.0}
    # a part that won nothing (null) counts as 0 won
    assert errors["pull_ins"] == {"mape": 0.1, "bias": 0.0}
    assert errors["not_yet_created"] == {"mape": 0.05, "bias": -0.05}


def test_rows_without_an_ai_forecast_or_an_actual_are_left_out_and_weeks_are_reported_apart():
    rows = pd.DataFrame(
        [
            part_row(4, 100.0, pipeline=(60.0, 50.0), pull_ins=(0.0, 0.0), new=(0.0, 0.0)),
            part_row(4, 100.0, pipeline=(90.0, 50.0), pull_ins=(0.0, 0.0), new=(0.0, 0.0), ai=None),
            part_row(4, 0.0, pipeline=(90.0, 0.0), pull_ins=(0.0, 0.0), new=(0.0, 0.0)),
            part_row(9, 50.0, pipeline=(20.0, 30.0), pull_ins=(0.0, 0.0), new=(0.0, 0.0)),
        ]
    )
    by_week = component_errors_by_week(rows)
    assert [(entry["week_of_quarter"], entry["rows"]) for entry in by_week["by_week"]] == [(4, 1), (9, 1)]
    assert by_week["by_week"][0]["pipeline"] == {"mape": 0.1, "bias": 0.1}
    assert by_week["by_week"][1]["pipeline"] == {"mape": 0.2, "bias": -0.2}
    assert by_week["all_weeks"]["rows"] == 2
    assert by_week["all_weeks"]["pipeline"]["mape"] == 0.15
    empty = component_errors(rows[rows["ai"].isna()])
    assert empty == {"rows": 0} | {part: {"mape": None, "bias": None} for part in ("pipeline", "pull_ins",
                                                                                     "not_yet_created")}  # fmt: skip
