"""`momentum sim`: init, advance, profile and oracle on a tiny CRM, through the click group."""

from __future__ import annotations

import json

from click.testing import CliRunner

from orchestration.sim_cli import sim


def test_sim_commands_build_advance_profile_and_score_the_oracle(warehouse_url, monkeypatch, tmp_path):
    monkeypatch.setenv("MOMENTUM_WAREHOUSE_URL", warehouse_url)
    runner = CliRunner()
    config = tmp_path / "renamed.yml"
    config.write_text(
        "preset: tiny\nstages:\n"
        + "".join(
            f"  - {{name: {name}, sort_order: {i}, is_closed: {str(closed).lower()}, is_won: {str(won).lower()},"
            f" default_probability: {p}, forecast_category: {cat}}}\n"
            for i, (name, closed, won, p, cat) in enumerate(
                [
                    ("Discovery", False, False, 10, "Pipeline"),
                    ("Demo", False, False, 30, "Pipeline"),
                    ("Proposal", False, False, 60, "Best Case"),
                    ("Negotiation", False, False, 80, "Commit"),
                    ("Closed Won", True, True, 100, "Closed"),
                    ("Closed Lost", True, False, 0, "Omitted"),
                ],
                start=1,
            )
        )
    )

    built = runner.invoke(sim, ["init", "--config", str(config), "--seed", "4", "--today", "2026-11-23"])
    assert built.exit_code == 0, built.output
    assert "Demo CRM tiny (seed 4) as of 2026-11-23" in built.output

    advanced = runner.invoke(sim, ["advance", "--days", "3"])
    assert advanced.exit_code == 0, advanced.output
    assert "2026-11-23 -> 2026-11-26: 3 business days" in advanced.output

    profile = json.loads(runner.invoke(sim, ["profile", "--json"]).output)
    assert set(profile["win_rate_by_segment"]) == {"SMB", "MM", "ENT"}
    assert 0 <= profile["won_pushed_at_least_once_share"] <= 1
    assert {rep["hidden_style"] for rep in profile["forecast_bias_by_rep"]} <= {
        "sandbagger",
        "neutral",
        "happy_ears",
    }

    oracle = runner.invoke(
        sim, ["oracle", "--json", "--window-start", "2026-06-01", "--window-end", "2026-09-01"]
    )
    report = json.loads(oracle.output)
    assert set(report) == {"win", "slip", "forecast", "window"}
    assert report["win"]["n"] > 50 and 0.5 < report["win"]["auc"] <= 1
    assert 0 < report["win"]["brier"] < 0.25 and report["win"]["log_loss"] > 0
    assert report["slip"]["n"] > 10 and 0 <= report["slip"]["brier"] < 0.25
    # The one complete quarter after the ramp-up (history from 2026-05-24): July-September.
    assert [q["quarter"] for q in report["forecast"]] == ["2026-Q3"]
    (quarter,) = report["forecast"]
    assert quarter["actual"] > 0
    assert quarter["error"] == round(quarter["oracle_forecast"] - quarter["actual"], 2)
    parts = ("closed_won_to_date", "open_pipeline_expected", "not_yet_created_expected")
    assert abs(sum(quarter[part] for part in parts) - quarter["oracle_forecast"]) < 0.05
