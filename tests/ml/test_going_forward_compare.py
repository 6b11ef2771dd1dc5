"""The going-forward comparison (bench/going_forward_compare.py) on hand-built rows with known errors."""

import pandas as pd
import pytest

from bench.going_forward_compare import compare

COLUMNS = [
    "forecast_level",
    "forecast_group",
    "owner_id",
    "team",
    "ai",
    "ai_p10",
    "ai_p90",
    "commit",
    "stage_weighted",
    "closed_won",
]


def _first_day() -> pd.DataFrame:
    rows = [
        ("company", "company", None, None, 400, 350, 450, 300, 600, 190),
        ("team", "East", None, "East", 120, 100, 140, 150, 200, 60),
        ("team", "West", None, "West", 220, 180, 260, 100, 300, 130),
        ("rep", "a", "a", "East", 90, 80, 100, 120, 150, 40),
        ("rep", "b", "b", "East", 30, 20, 40, 30, 50, 20),
        ("rep", "c", "c", "West", 220, 180, 260, 100, 300, 130),
        ("rep", "m", "m", "West", 0, 0, 0, None, 0, 0),  # a manager without deals or a call
    ]
    return pd.DataFrame(rows, columns=COLUMNS).assign(week_of_quarter=10)


def _won() -> pd.DataFrame:
    # d owns a won deal but is no CRM user (no rep row), one won deal has no owner: in no row, as in the marts.
    return pd.DataFrame(
        [("a", 100.0), ("b", 50.0), ("c", 200.0), ("d", 30.0), (None, 5.0)],
        columns=["owner_id", "won_amount"],
    )


def test_each_row_is_measured_against_its_own_reps_closed_won():
    report = compare(_first_day(), _won())
    rows = {row["forecast_group"]: row for row in report["rows"]}

    assert {group: row["actual_amount"] for group, row in rows.items()} == {
        "company": 350.0,
        "East": 150.0,
        "West": 200.0,
        "a": 100.0,
        "b": 50.0,
        "c": 200.0,
        "m": 0.0,
    }
    assert rows["East"]["ai_pct_error"] == pytest.approx(-0.2)
    assert rows["East"]["commit_pct_error"] == pytest.approx(0.0)
    assert rows["West"]["commit_pct_error"] == pytest.approx(-0.5)
    assert rows["company"]["stage_weighted_pct_error"] == pytest.approx(250 / 350, abs=1e-4)
    assert rows["m"]["ai_pct_error"] is None  # no actual: no percent error
    assert [rows[g]["within_range"] for g in ("company", "East", "West", "a", "b", "m")] == [
        True,
        False,
        True,
        True,  # the bounds are inclusive: 100 in 80..100
        False,
        True,
    ]


def test_level_means_coverage_and_the_team_ratio():
    report = compare(_first_day(), _won())
    team, rep = report["levels"]["team"], report["levels"]["rep"]

    assert team["mae"] == {"ai": 25.0, "commit": 50.0, "stage_weighted": 75.0}
    assert team["mape"]["ai"] == pytest.approx(0.15)
    assert (team["inside_range"], team["ranged_rows"]) == (1, 2)
    assert team["p10_p90_coverage"] == 0.5
    # The manager's row has no actual: out of the mean abs % error, in the coverage (0 inside 0..0).
    assert rep["mape"]["ai"] == pytest.approx(0.2)
    assert rep["mape"]["commit"] == pytest.approx((0.2 + 0.4 + 0.5) / 3, abs=1e-4)
    assert (rep["inside_range"], rep["ranged_rows"]) == (3, 4)
    assert report["levels"]["company"]["actual_amount"] == 350.0
    assert report["unattributed_won_amount"] == 35.0
    assert "oracle" not in report["forecasts"]  # none given


def test_the_oracle_is_each_reps_closed_won_plus_what_it_expected_rolled_up_as_the_marts_do():
    expected = pd.Series({"a": 50.0, "b": 40.0, "c": 60.0, "d": 1000.0})  # d has no rep row: in no row
    report = compare(_first_day(), _won(), expected)
    oracle = {row["forecast_group"]: row["oracle"] for row in report["rows"]}

    assert oracle == {
        "company": 340.0,
        "East": 150.0,
        "West": 190.0,
        "a": 90.0,
        "b": 60.0,
        "c": 190.0,
        "m": 0.0,
    }
    assert report["forecasts"] == ["ai", "commit", "stage_weighted", "oracle"]
    # team: |150 - 150| and |190 - 200| -> 5, against the AI's 25
    assert report["levels"]["team"]["mae"]["oracle"] == 5.0
    assert report["target"]["ai_to_oracle_mae"] == 5.0
    assert report["target"]["ai_to_commit_mae"] == 0.5
    assert report["target"]["ai_to_commit_mape"] == pytest.approx(0.6)
