"""`momentum run --full-refresh` and `momentum retrain --full-refresh` reload the CRM from scratch: the way out
the extract's mass-deletion guard names, and how a re-imported CRM replaces the old one."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from orchestration import cli


@pytest.mark.parametrize("command", ["run", "retrain"])
@pytest.mark.parametrize("flag", [[], ["--full-refresh"]])
def test_the_full_refresh_flag_reaches_the_job(command, flag, monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(cli, "_run_or_exit", lambda settings, job, as_of, **kw: calls.append((job, kw)))
    monkeypatch.setattr(cli, "print_run_summary", lambda *args, **kwargs: None)

    result = CliRunner().invoke(
        cli.main, [command, "--as-of", "2026-12-01", *flag], env={"MOMENTUM_HOME": str(tmp_path)}
    )

    assert result.exit_code == 0, result.output
    ((job, options),) = calls
    assert job == ("morning" if command == "run" else "retrain")
    expected = {"full_refresh": bool(flag)} | ({"op_config": {}} if command == "run" else {})
    assert options == expected
