"""Failures a user can fix end in one line naming what to fix, with no traceback unless --debug."""

from __future__ import annotations

import socket

from click.testing import CliRunner

from orchestration.cli import main
from orchestration.failures import EXIT_USER_ERROR


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


def test_an_unreachable_warehouse_names_the_setting_and_hides_the_password(tmp_path):
    url = f"postgresql://revops@127.0.0.1:{_closed_port()}/sales?password=s3cret"
    env = {"MOMENTUM_WAREHOUSE_URL": url, "MOMENTUM_HOME": str(tmp_path)}

    result = CliRunner().invoke(main, ["run", "--as-of", "2026-12-01"], env=env)

    assert result.exit_code == EXIT_USER_ERROR
    assert "cannot reach the warehouse" in result.output and "MOMENTUM_WAREHOUSE_URL" in result.output
    assert "s3cret" not in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_debug_keeps_the_traceback(tmp_path):
    url = f"postgresql://revops@127.0.0.1:{_closed_port()}/sales"
    env = {"MOMENTUM_WAREHOUSE_URL": url, "MOMENTUM_HOME": str(tmp_path)}

    result = CliRunner().invoke(main, ["--debug", "run", "--as-of", "2026-12-01"], env=env)

    assert result.exit_code != 0
    assert result.exception is not None and "connection" in str(result.exception).lower()


def test_a_home_that_cannot_be_a_folder_is_named(tmp_path):
    occupied = tmp_path / "a-file"
    occupied.write_text("")
    env = {"MOMENTUM_HOME": str(occupied / "home")}

    result = CliRunner().invoke(main, ["run", "--as-of", "2026-12-01"], env=env)

    assert result.exit_code == EXIT_USER_ERROR
    assert f"MOMENTUM_HOME ({occupied / 'home'})" in result.output
    assert "Traceback" not in result.output
