"""`momentum run --dry-run` and `--force-sync SYNC --reason ...` reach the CRM sync assets as Dagster run config."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from orchestration import cli
from orchestration.reverse_etl.assets import reverse_etl_assets
from orchestration.reverse_etl.run_config import SyncRunConfig, sync_op_name


def invoke(monkeypatch, tmp_path, *args):
    calls = []
    monkeypatch.setattr(cli, "_run_or_exit", lambda settings, job, as_of, **kw: calls.append(kw["op_config"]))
    monkeypatch.setattr(cli, "print_run_summary", lambda *a, **kw: None)
    monkeypatch.setattr(cli, "_os_user", lambda: "dana")
    result = CliRunner().invoke(
        cli.main, ["run", "--as-of", "2026-12-01", *args], env={"MOMENTUM_HOME": str(tmp_path)}
    )
    return result, calls


def test_force_sync_with_a_reason_releases_that_sync_only_and_says_who(monkeypatch, tmp_path):
    result, calls = invoke(
        monkeypatch, tmp_path, "--force-sync", "opportunity_fields", "--reason", "back from a pause"
    )

    assert result.exit_code == 0, result.output
    assert calls == [
        {
            "reverse_etl__opportunity_fields": {
                "config": {"force_reason": "back from a pause", "forced_by": "dana"}
            }
        }
    ]


def test_one_reason_per_forced_sync_in_order_and_dry_run_on_every_sync(monkeypatch, tmp_path):
    args = [
        "--dry-run",
        "--force-sync",
        "tasks",
        "--reason",
        "r1",
        "--force-sync",
        "opportunity_fields",
        "--reason",
        "r2",
    ]

    result, (ops,) = invoke(monkeypatch, tmp_path, *args)

    assert result.exit_code == 0, result.output
    assert ops["reverse_etl__tasks"]["config"] == {"dry_run": True, "force_reason": "r1", "forced_by": "dana"}
    assert ops["reverse_etl__opportunity_fields"]["config"]["force_reason"] == "r2"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--force-sync", "opportunity_fields"], "--force-sync needs --reason"),
        (
            ["--force-sync", "oportunity_fields", "--reason", "x"],
            "no sync named oportunity_fields; --force-sync takes one of: momentum_forecast, opportunity_fields, tasks",
        ),
        (["--force-sync", "tasks", "--reason", "  "], "--reason is empty"),
        (["--reason", "x"], "--reason goes with --force-sync"),
    ],
)
def test_a_wrong_force_is_refused_in_one_line_before_anything_runs(monkeypatch, tmp_path, args, said):
    result, calls = invoke(monkeypatch, tmp_path, *args)

    assert result.exit_code != 0 and calls == []
    (line,) = result.output.strip().splitlines()
    assert said in line


def test_the_op_names_are_the_sync_assets_and_the_config_fits_them():
    ops = {asset.op.name: asset for asset in reverse_etl_assets}
    assert set(ops) == {sync_op_name(name) for name in ("momentum_forecast", "opportunity_fields", "tasks")}
    for asset in reverse_etl_assets:
        assert asset.op.config_schema.config_type.key == SyncRunConfig.to_config_schema().config_type.key
