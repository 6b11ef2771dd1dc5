"""HubSpot's exports (a folder of CSVs with property labels as headers) extracted into raw_hubspot: every file
problem is either quarantined with its reason (received = loaded + rejected) or said in one line naming the
file and the column, and what an export lacks (stage meaning, history) is rebuilt or named."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import psycopg
import pytest

from crm.connectors import CrmNotConfigured, crm_layout, crm_source
from crm.hubspot.export_source import HubSpotExportSource
from crm.hubspot.layout import HUBSPOT_LAYOUT
from crm.salesforce.export_files import ExportFileError
from extract.load import extract_crm
from orchestration.failures import explain
from warehouse.settings import load_settings

DEAL_HEADER = [
    "Record ID",
    "Deal Name",
    "Pipeline",
    "Deal Stage",
    "Amount",
    "Close Date",
    "Deal owner",
    "Is closed",
    "Is Closed Won",
    "Deal probability",
    "Create Date",
    "Last Modified Date",
    'Date entered "Discovery (Sales Pipeline)"',
    'Date entered "Closed Won (Sales Pipeline)"',
]


def _deal(record_id: str, stage="Discovery", close="2026-03-31", stamp="2026-03-02 14:05", **extra) -> dict:
    won = stage == "Closed Won"
    values = {
        "Record ID": record_id,
        "Deal Name": f"Deal {record_id}",
        "Pipeline": "Sales Pipeline",
        "Deal Stage": stage,
        "Amount": "1000",
        "Close Date": close,
        "Deal owner": "Ana Lima",
        "Is closed": str(won).lower(),
        "Is Closed Won": str(won).lower(),
        "Deal probability": "1.0" if won else "0.2",
        "Create Date": "2026-01-05 09:00",
        "Last Modified Date": stamp,
        'Date entered "Discovery (Sales Pipeline)"': "2026-01-05 09:00",
        'Date entered "Closed Won (Sales Pipeline)"': "2026-02-10 10:00" if won else "",
    }
    return values | extra


def _csv(rows: list[dict], delimiter=",", header: list[str] | None = None) -> str:
    """Every value quoted, inner quotes doubled, as HubSpot writes its exports."""
    header = header or list(rows[0])

    def line(values) -> str:
        return delimiter.join('"' + str(value).replace('"', '""') + '"' for value in values)

    return "\n".join([line(header)] + [line(row.get(name, "") for name in header) for row in rows]) + "\n"


def _folder(tmp_path: Path, deals: str, **files: str) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "hubspot-crm-exports-all-deals-2026-03-03.csv").write_text(deals, encoding="utf-8")
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def _extract(folder: Path, url: str, *names: str) -> dict:
    objects = tuple(HUBSPOT_LAYOUT.object(name) for name in names)
    results = {r.object_name: r for r in extract_crm(HubSpotExportSource(folder), url, objects=objects)}
    for result in results.values():
        assert result.received == result.loaded + result.rejected, result
    return results


def _query(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url, options="-c timezone=UTC") as conn:
        return conn.execute(query).fetchall()


def test_a_semicolon_separated_export_with_a_bom_lands_in_raw_hubspot_with_the_apis_values(
    tmp_path, warehouse_url
):
    # GIVEN a deals export saved by a spreadsheet: a byte-order mark, semicolons between fields
    rows = [_deal("101"), _deal("102", stage="Closed Won")]
    folder = _folder(tmp_path, "\ufeff" + _csv(rows, delimiter=";"))

    results = _extract(folder, warehouse_url, "deal", "deal_stage", "deal_property_history", "owner")

    # THEN both deals land, stages keyed by pipeline and label, the owner by name
    assert (results["deal"].loaded, results["deal"].rejected) == (2, 0)
    assert _query(
        warehouse_url, "select id, dealstage, hubspot_owner_id from raw_hubspot.deal order by id"
    ) == [
        ("101", "Sales Pipeline|Discovery", "Ana Lima"),
        ("102", "Sales Pipeline|Closed Won", "Ana Lima"),
    ]
    # ...the stages' meaning from Is closed / Is Closed Won (won = closed at probability 1)
    assert _query(
        warehouse_url,
        "select label, isclosed, probability::float from raw_hubspot.deal_stage order by displayorder",
    ) == [("Discovery", False, 0.2), ("Closed Won", True, 1.0)]
    # ...and the won deal's history holds both stages it entered, in order
    assert _query(
        warehouse_url,
        "select value from raw_hubspot.deal_property_history where deal_id = '102' and property = 'dealstage'"
        ' order by "timestamp"',
    ) == [("Sales Pipeline|Discovery",), ("Sales Pipeline|Closed Won",)]
    # ...with the current amount and close date from its creation, and no forecast category (a closed deal's
    # back-dated would give the outcome away)
    assert _query(
        warehouse_url,
        "select property, value, \"timestamp\" = '2026-01-05 09:00+00' from raw_hubspot.deal_property_history"
        " where deal_id = '102' and property <> 'dealstage' order by property",
    ) == [("amount", "1000", True), ("closedate", "2026-03-31", True)]
    assert _query(warehouse_url, "select id, firstname, lastname from raw_hubspot.owner") == [
        ("Ana Lima", "Ana", "Lima")
    ]


def test_mixed_date_formats_and_duplicate_ids_are_quarantined_with_their_reason(tmp_path, warehouse_url):
    # GIVEN a deal with a close date in the portal's US format, and a Record ID exported twice
    rows = [
        _deal("101"),
        _deal("102", close="03/31/2026"),
        _deal("103", stamp="2026-03-01 10:00"),
        _deal("103", stamp="2026-03-02 10:00", Amount="2000"),
    ]
    folder = _folder(tmp_path, _csv(rows))

    results = _extract(folder, warehouse_url, "deal")

    # THEN received = loaded + rejected, each reject with its reason, the newer duplicate kept
    assert (results["deal"].received, results["deal"].loaded, results["deal"].rejected) == (4, 2, 2)
    reasons = dict(_query(warehouse_url, "select source_row->>'id', reason from raw_hubspot._rejects"))
    assert "unparseable:closedate" in reasons["102"]
    assert "duplicate_id" in reasons["103"]
    assert _query(warehouse_url, "select amount::int from raw_hubspot.deal where id = '103'") == [(2000,)]


def test_a_missing_required_column_is_named_with_its_file_in_one_line(tmp_path):
    rows = [_deal("101")]
    header = [name for name in DEAL_HEADER if name != "Create Date"]
    folder = _folder(tmp_path, _csv(rows, header=header))

    with pytest.raises(ExportFileError) as raised, HubSpotExportSource(folder) as source:
        source.today()

    message = explain(raised.value)
    assert message == (
        "hubspot-crm-exports-all-deals-2026-03-03.csv (deals export, read as comma-separated) has no column "
        "Create Date (required): include that property in the export"
    )


def test_without_stage_flags_the_error_says_what_is_needed_and_a_pipelines_file_supplies_it(
    tmp_path, warehouse_url
):
    # GIVEN a deals export without Is closed / Is Closed Won
    header = [name for name in DEAL_HEADER if name not in ("Is closed", "Is Closed Won")]
    folder = _folder(tmp_path, _csv([_deal("101"), _deal("102", stage="Closed Won")], header=header))

    # THEN the run stops before loading, naming the columns and the pipelines file
    with pytest.raises(ExportFileError, match="no column Is closed or Is Closed Won.*pipelines.csv"):
        HubSpotExportSource(folder).today()

    # WHEN a pipelines file says what each stage means
    (folder / "pipelines.csv").write_text(
        "Pipeline,Stage,Probability,Is closed\n"
        "Sales Pipeline,Discovery,20%,false\nSales Pipeline,Closed Won,100%,true\n"
        "Sales Pipeline,Closed Lost,0%,true\n"
    )
    results = _extract(folder, warehouse_url, "deal_stage")

    # THEN the stages land from it, probabilities as fractions
    assert results["deal_stage"].loaded == 3
    assert _query(
        warehouse_url,
        "select label, isclosed, probability::float from raw_hubspot.deal_stage order by displayorder",
    ) == [("Discovery", False, 0.2), ("Closed Won", True, 1.0), ("Closed Lost", True, 0.0)]


def test_an_export_without_date_entered_columns_has_no_history(tmp_path, warehouse_url):
    # An export without the Date entered properties has no stage history: none is made up from the current
    # stage (the minimum-data message then names the missing history: ml/data/readiness.py).
    header = [name for name in DEAL_HEADER if not name.startswith("Date entered")]
    folder = _folder(tmp_path, _csv([_deal("101"), _deal("102", stage="Closed Won")], header=header))

    results = _extract(folder, warehouse_url, "deal", "deal_property_history")

    assert results["deal"].loaded == 2
    assert results["deal_property_history"].received == 0


def test_momentum_crm_files_tells_a_hubspot_export_from_a_salesforce_one_and_names_both_when_neither(
    tmp_path,
):
    hubspot = _folder(tmp_path, _csv([_deal("101")]))
    settings = dataclasses.replace(load_settings(), crm="files", crm_path=hubspot)
    assert crm_layout(settings) is HUBSPOT_LAYOUT
    assert isinstance(crm_source(settings, "postgresql://unused"), HubSpotExportSource)

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CrmNotConfigured, match="no Opportunity.csv and no HubSpot deals export"):
        crm_layout(dataclasses.replace(settings, crm_path=empty))


def test_a_newer_export_reads_only_changed_deals_and_their_history_carries_the_new_amount(
    tmp_path, warehouse_url
):
    # GIVEN an export extracted once
    folder = _folder(tmp_path, _csv([_deal("101", stamp="2026-03-01 10:00"), _deal("102")]))
    deals_file = next(folder.glob("*deals*.csv"))
    _extract(folder, warehouse_url, "deal", "deal_property_history")

    # WHEN a newer export replaces it, with deal 102's amount changed a day later
    deals_file.write_text(
        _csv([_deal("101", stamp="2026-03-01 10:00"), _deal("102", stamp="2026-03-03 09:00", Amount="5000")])
    )
    again = _extract(folder, warehouse_url, "deal", "deal_property_history")

    # THEN only deal 102 is read again (the extract re-reads rows stamped at its watermark: 101's are older)
    assert again["deal"].received == 1
    assert {
        row[0]
        for row in _query(warehouse_url, "select distinct deal_id from raw_hubspot.deal_property_history")
    } == {
        "101",
        "102",
    }
    # ...and its amount version, the same version as before, now holds the new amount in its latest extract
    latest_amount = _query(
        warehouse_url,
        "select value from raw_hubspot.deal_property_history where deal_id = '102' and property = 'amount'"
        " order by _extracted_at desc limit 1",
    )
    assert latest_amount == [("5000",)]
