"""`momentum dashboard` binds loopback by default and refuses any other address without a password."""

from __future__ import annotations

import subprocess

import pytest
from click.testing import CliRunner

from orchestration import dashboard_cli
from orchestration.cli import main


@pytest.fixture
def nothing_starts(monkeypatch):
    """Fail the test if the command gets as far as the warehouse or Streamlit."""

    def refuse(*args, **kwargs):
        raise AssertionError("the dashboard started")

    monkeypatch.setattr(dashboard_cli, "prepare_read_only_access", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "dashboard.example.com"])
def test_a_non_loopback_address_without_a_password_is_refused_in_one_line(host, nothing_starts, monkeypatch):
    monkeypatch.delenv("MOMENTUM_DASHBOARD_PASSWORD", raising=False)
    result = CliRunner().invoke(main, ["dashboard", "--host", host])
    assert result.exit_code == dashboard_cli.EXIT_REFUSED
    (line,) = result.output.strip().splitlines()
    assert "MOMENTUM_DASHBOARD_PASSWORD" in line and host in line
    assert "Traceback" not in result.output


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_needs_no_password(host, monkeypatch):
    monkeypatch.delenv("MOMENTUM_DASHBOARD_PASSWORD", raising=False)
    dashboard_cli.refuse_unguarded_address(host, dashboard_cli.load_settings())


def test_with_a_password_any_address_is_allowed(monkeypatch):
    monkeypatch.setenv("MOMENTUM_DASHBOARD_PASSWORD", "set")
    dashboard_cli.refuse_unguarded_address("0.0.0.0", dashboard_cli.load_settings())


def test_the_default_address_is_loopback_and_usage_statistics_are_off():
    command = dashboard_cli.streamlit_command(dashboard_cli.DEFAULT_HOST, 8501)
    assert dashboard_cli.DEFAULT_HOST == "127.0.0.1"
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--browser.gatherUsageStats") + 1] == "false"
