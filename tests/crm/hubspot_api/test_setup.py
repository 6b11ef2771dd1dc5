"""`momentum crm setup` against the local HubSpot server: the properties Momentum writes that the portal lacks,
with their types, and `--create` making them (group included) once."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from orchestration.cli import main
from simulator.hubspot_api import serve_demo_crm


@pytest.fixture
def bare_portal(demo_crm, monkeypatch):
    """A portal where Momentum's properties were never created, configured as MOMENTUM_CRM=hubspot."""
    with serve_demo_crm(demo_crm, momentum_properties_created=False) as server:
        monkeypatch.setenv("MOMENTUM_CRM", "hubspot")
        for name, value in server.environment().items():
            monkeypatch.setenv(name, value)
        yield server


def test_setup_check_lists_each_missing_property_with_its_type(bare_portal):
    result = CliRunner().invoke(main, ["crm", "setup", "--check"])

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(
        "ai_win_probability" in line and "number (number)" in line and "MISSING" in line for line in lines
    )
    assert any(
        "ai_external_id" in line and "string (text, unique)" in line and "MISSING" in line for line in lines
    )
    assert any(line.split()[:2] == ["tasks", "hs_task_subject"] and line.endswith("ok") for line in lines)
    assert "NOT READY" in result.output and "setup --create" in result.output
    assert not [r for r in bare_portal.api.requests if r.method == "POST"]


def test_setup_create_makes_the_group_and_the_properties_once(bare_portal):
    created = CliRunner().invoke(main, ["crm", "setup", "--create"])
    again = CliRunner().invoke(main, ["crm", "setup", "--create"])

    assert created.exit_code == 0, created.output
    assert "created 17 HubSpot properties" in created.output and "ready:" in created.output
    assert "momentum" in bare_portal.api.groups["deals"] and "momentum" in bare_portal.api.groups["tasks"]
    assert (
        again.exit_code == 0 and "created" not in again.output.split("HubSpot properties Momentum writes")[0]
    )
    creates = [
        r for r in bare_portal.api.requests if r.method == "POST" and r.path.startswith("/crm/v3/properties")
    ]
    assert {r.status for r in creates} == {201} and len(creates) == 17 + 2
