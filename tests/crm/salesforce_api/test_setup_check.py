"""`momentum crm setup --check` against the local Salesforce server: the fields Momentum writes that the org
lacks, with their types, and a metadata package for the admin."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from orchestration.cli import main
from simulator.salesforce_api import serve_demo_crm

NS = {"md": "http://soap.sforce.com/2006/04/metadata"}


@pytest.fixture
def bare_org(demo_crm, monkeypatch):
    """An org whose admin has not deployed Momentum's custom fields, configured as MOMENTUM_CRM=salesforce."""
    with serve_demo_crm(demo_crm, momentum_fields_deployed=False) as server:
        monkeypatch.setenv("MOMENTUM_CRM", "salesforce")
        for name, value in server.environment().items():
            monkeypatch.setenv(name, value)
        yield server


def test_setup_check_lists_each_missing_field_with_its_type(bare_org):
    result = CliRunner().invoke(main, ["crm", "setup", "--check"])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(
        "AI_Win_Probability__c" in line and "Number(5,4)" in line and "MISSING" in line for line in lines
    )
    assert any("AI_External_Id__c" in line and "MISSING" in line for line in lines)
    assert any(line.split()[:2] == ["Task", "Subject"] and line.endswith("ok") for line in lines)
    # Momentum's own object (issue 17) is listed with its fields, all missing while the object is
    assert any(
        line.split()[:3] == ["Momentum_Forecast__c", "AI_Forecast__c", "Currency(16,0)"]
        and line.endswith("MISSING")
        for line in lines
    )
    assert "Momentum_Forecast__c: Momentum's own object is not in the org" in result.output
    assert "NOT READY" in result.output


def test_write_package_holds_the_missing_fields_and_a_permission_set(bare_org, tmp_path):
    result = CliRunner().invoke(main, ["crm", "setup", "--check", "--write-package", str(tmp_path / "pkg")])

    package = ET.parse(tmp_path / "pkg" / "package.xml").getroot()
    members = {m.text for m in package.iterfind(".//md:members", NS)}
    assert {
        "Opportunity.AI_Win_Probability__c",
        "Activity.AI_External_Id__c",
        "Momentum_Integration",
    } <= members
    activity = ET.parse(tmp_path / "pkg" / "objects" / "Activity.object").getroot()
    external = next(
        f
        for f in activity.iterfind("md:fields", NS)
        if f.findtext("md:fullName", namespaces=NS) == "AI_External_Id__c"
    )
    assert external.findtext("md:externalId", namespaces=NS) == "true"
    permissions = ET.parse(
        tmp_path / "pkg" / "permissionsets" / "Momentum_Integration.permissionset"
    ).getroot()
    assert "Opportunity.AI_Win_Probability__c" in {p.findtext("md:field", namespaces=NS) for p in permissions}
    # AND the custom object Momentum_Forecast__c is defined whole: an auto-number Name, its external id, its fields
    assert {"Momentum_Forecast__c", "Momentum_Forecast__c.AI_Forecast__c"} <= members
    forecast = ET.parse(tmp_path / "pkg" / "objects" / "Momentum_Forecast__c.object").getroot()
    assert forecast.findtext("md:nameField/md:type", namespaces=NS) == "AutoNumber"
    fields = {f.findtext("md:fullName", namespaces=NS): f for f in forecast.iterfind("md:fields", NS)}
    assert fields["AI_External_Id__c"].findtext("md:externalId", namespaces=NS) == "true"
    assert {"AI_Forecast_P10__c", "AI_Forecast_P90__c", "AI_Minus_Commit__c", "AI_As_Of_Date__c"} <= set(
        fields
    )
    assert "OwnerId" not in fields  # a standard field of every custom object
    objects = {
        p.findtext("md:object", namespaces=NS) for p in permissions.iterfind("md:objectPermissions", NS)
    }
    assert objects == {"Momentum_Forecast__c"}
    assert result.exit_code == 1


def test_an_org_with_every_field_is_ready(demo_crm, salesforce, monkeypatch):
    monkeypatch.setenv("MOMENTUM_CRM", "salesforce")
    for name, value in salesforce.environment().items():
        monkeypatch.setenv(name, value)

    result = CliRunner().invoke(main, ["crm", "setup", "--check"])

    assert "MISSING" not in result.output
    assert result.exit_code == 0, result.output
