"""A Salesforce data export (a folder of CSVs) extracted into raw_salesforce: typed, streamed, incremental,
and every file problem either quarantined with its reason (received = loaded + rejected) or said in one
line naming the file and the column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg
import pytest

from crm.check import check_crm, format_report
from crm.salesforce.export_files import ExportFileError
from crm.salesforce.export_source import SalesforceExportSource
from crm.salesforce.fields import SALESFORCE_OBJECTS
from crm.salesforce.ids import NULL_KEY_18, to_18
from crm.salesforce.layout import SALESFORCE_LAYOUT
from extract.load import extract_crm
from orchestration.failures import explain

OPPORTUNITY = (SALESFORCE_LAYOUT.object("opportunity"),)
OPPORTUNITY_HEADER = "Id,Name,StageName,Amount,CloseDate,IsClosed,IsWon,CreatedDate,SystemModstamp,AccountId"


def _opportunity(record_id: str, amount="1000", close="2026-03-31", stamp="2026-03-02 14:05:00", **extra):
    values = {
        "Id": record_id,
        "Name": f"Deal {record_id}",
        "StageName": "Prospecting",
        "Amount": amount,
        "CloseDate": close,
        "IsClosed": "0",
        "IsWon": "0",
        "CreatedDate": "2026-01-05T09:00:00.000Z",
        "SystemModstamp": stamp,
        "AccountId": NULL_KEY_18,
    }
    return values | extra


def write_export(folder: Path, files: dict[str, str]) -> Path:
    """An export folder holding `files` (name -> text) and, for every other required object, a file with
    its required columns and no rows."""
    folder.mkdir(parents=True, exist_ok=True)
    given = {name.lower() for name in files}
    for sf_object in SALESFORCE_OBJECTS:
        if not sf_object.optional and f"{sf_object.api_name.lower()}.csv" not in given:
            header = ",".join(field.name for field in sf_object.fields if field.required)
            (folder / f"{sf_object.api_name}.csv").write_text(header + "\n")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    return folder


def opportunities_csv(rows: list[dict[str, str]], delimiter: str = ",") -> str:
    header = list(rows[0]) if rows else OPPORTUNITY_HEADER.split(",")
    lines = [delimiter.join(header)]
    lines += [delimiter.join(f'"{row[name]}"' for name in header) for row in rows]
    return "\n".join(lines) + "\n"


def _query(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url, options="-c timezone=UTC") as conn:
        return conn.execute(query).fetchall()


def _extract(folder: Path, url: str):
    (result,) = extract_crm(SalesforceExportSource(folder), url, objects=OPPORTUNITY)
    assert result.received == result.loaded + result.rejected
    return result


def test_an_export_lands_typed_in_raw_salesforce_with_salesforce_booleans_datetimes_and_empty_cells(
    tmp_path, warehouse_url
):
    # GIVEN an Opportunity.csv as Salesforce writes it: 0/1 booleans, space-separated and ISO datetimes,
    # an empty amount
    rows = [
        _opportunity("006000000000001", amount="1250.50", stamp="2026-03-02 14:05:00"),
        _opportunity("006000000000002", amount="", IsClosed="1", IsWon="1", stamp="2026-03-03T08:00:00.000Z"),
    ]
    folder = write_export(tmp_path / "export", {"Opportunity.csv": opportunities_csv(rows)})

    # WHEN it is extracted
    result = _extract(folder, warehouse_url)

    # THEN both rows load, typed as crm/salesforce/fields.py says, the empty cell as null
    assert (result.received, result.loaded, result.rejected) == (2, 2, 0)
    assert _query(
        warehouse_url,
        "select id, amount, isclosed, iswon, closedate, systemmodstamp, createddate "
        "from raw_salesforce.opportunity order by id",
    ) == [
        (
            "006000000000001",
            1250.50,
            False,
            False,
            dt.date(2026, 3, 31),
            dt.datetime(2026, 3, 2, 14, 5, tzinfo=dt.UTC),
            dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC),
        ),
        (
            "006000000000002",
            None,
            True,
            True,
            dt.date(2026, 3, 31),
            dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC),
        ),
    ]
    assert result.high_watermark == dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC)


def test_a_utf8_byte_order_mark_does_not_hide_the_first_column(tmp_path, warehouse_url):
    text = "\ufeff" + opportunities_csv([_opportunity("006000000000001")])
    folder = write_export(tmp_path / "export", {"Opportunity.csv": text})

    result = _extract(folder, warehouse_url)

    assert result.loaded == 1
    assert _query(warehouse_url, "select id from raw_salesforce.opportunity") == [("006000000000001",)]


@pytest.mark.parametrize("delimiter", [";", "\t"], ids=["semicolon", "tab"])
def test_semicolon_and_tab_separated_files_are_read_as_they_are(tmp_path, warehouse_url, delimiter):
    rows = [_opportunity("006000000000001", amount="10.5"), _opportunity("006000000000002")]
    folder = write_export(tmp_path / "export", {"Opportunity.csv": opportunities_csv(rows, delimiter)})

    result = _extract(folder, warehouse_url)

    assert (result.loaded, result.rejected) == (2, 0)
    assert _query(warehouse_url, "select sum(amount) from raw_salesforce.opportunity") == [(1010.5,)]


def test_a_file_in_another_delimiter_is_named_with_the_delimiter_found(tmp_path, warehouse_url):
    # GIVEN a pipe-separated Opportunity.csv: no delimiter Momentum reads splits its header into fields
    folder = write_export(
        tmp_path / "export", {"Opportunity.csv": opportunities_csv([_opportunity("006000000000001")], "|")}
    )

    # WHEN it is extracted THEN one line names the file, the missing Id column and the delimiter tried
    with pytest.raises(ExportFileError) as raised:
        _extract(folder, warehouse_url)
    message = str(raised.value)
    assert message.startswith(
        "Opportunity.csv: the header has no column Id (read as comma-separated: 1 column"
    )
    assert "\n" not in message
    # ...and nothing was loaded
    assert _query(warehouse_url, "select to_regclass('raw_salesforce.opportunity')") == [(None,)]


def test_a_row_split_by_another_delimiter_than_its_header_is_named_by_its_line(tmp_path, warehouse_url):
    text = opportunities_csv([_opportunity("006000000000001")]) + '"006000000000002";"Deal";"Prospecting"\n'
    folder = write_export(tmp_path / "export", {"Opportunity.csv": text})

    with pytest.raises(ExportFileError, match=r"^Opportunity.csv line 3: 1 values where the header has 10"):
        _extract(folder, warehouse_url)


def test_mixed_date_formats_are_quarantined_with_their_reason_and_counted(tmp_path, warehouse_url):
    # GIVEN dates as a spreadsheet rewrote some of them: 03/04/2026 could be March or April
    rows = [
        _opportunity("006000000000001", close="2026-04-03"),
        _opportunity("006000000000002", close="03/04/2026"),
        _opportunity("006000000000003", stamp="03/04/2026 10:00"),
    ]
    folder = write_export(tmp_path / "export", {"Opportunity.csv": opportunities_csv(rows)})

    result = _extract(folder, warehouse_url)

    # THEN the ISO row loads; the others are quarantined, each with the column that did not parse
    assert (result.received, result.loaded, result.rejected) == (3, 1, 2)
    assert _query(
        warehouse_url,
        "select source_row->>'id', reason from raw_salesforce._rejects order by 1",
    ) == [
        ("006000000000002", "unparseable:closedate"),
        ("006000000000003", "unparseable:systemmodstamp"),
    ]


def test_duplicate_ids_keep_the_latest_version_and_quarantine_the_other(tmp_path, warehouse_url):
    rows = [
        _opportunity("006000000000001", amount="100", stamp="2026-03-02 10:00:00"),
        _opportunity("006000000000001", amount="200", stamp="2026-03-02 11:00:00"),
        _opportunity("006000000000002", amount="NaN"),
    ]
    folder = write_export(tmp_path / "export", {"Opportunity.csv": opportunities_csv(rows)})

    result = _extract(folder, warehouse_url)

    assert (result.received, result.loaded, result.rejected) == (3, 1, 2)
    assert _query(warehouse_url, "select id, amount from raw_salesforce.opportunity") == [
        ("006000000000001", 200)
    ]
    assert _query(
        warehouse_url, "select source_row->>'amount', reason from raw_salesforce._rejects order by 1"
    ) == [("100", "duplicate_id"), ("NaN", "not_finite:amount")]


def test_a_missing_required_column_is_one_line_naming_the_file_and_the_column(tmp_path, warehouse_url):
    # GIVEN an Opportunity.csv without StageName
    rows = [{k: v for k, v in _opportunity("006000000000001").items() if k != "StageName"}]
    folder = write_export(tmp_path / "export", {"Opportunity.csv": opportunities_csv(rows)})

    # WHEN the CLI asks the export's date before a run starts
    with SalesforceExportSource(folder) as source, pytest.raises(ExportFileError) as raised:
        source.today()

    # THEN one line names the file and the column, and `momentum` prints it as it is
    message = str(raised.value)
    assert message == (
        "Opportunity.csv has no column StageName (required; read as comma-separated): export Opportunity "
        "with that field"
    )
    assert explain(raised.value) == message
    # ...and `momentum crm check` reports it against the object, the others read as usual
    report = check_crm(SalesforceExportSource(folder))
    objects = {obj.name: obj for obj in report.objects}
    assert objects["opportunity"].error == message
    assert objects["account"].present and objects["account"].error is None


def test_a_missing_required_file_is_named_and_a_missing_optional_one_is_absent(tmp_path):
    folder = write_export(tmp_path / "export", {"Opportunity.csv": opportunities_csv([])})
    (folder / "Task.csv").unlink()

    with pytest.raises(
        ExportFileError, match=r"has no Task.csv \(required\): include Task in the data export$"
    ):
        SalesforceExportSource(folder).today()

    write_export(folder, {})
    with SalesforceExportSource(folder) as source:
        assert source.columns("organization") == []  # optional: the extract skips it
        assert source.columns("task") != []


def test_headers_match_whatever_their_case_and_unknown_columns_are_kept_as_text(tmp_path, warehouse_url):
    # GIVEN lower-case API names and a custom field Momentum does not know
    rows = [{k.lower(): v for k, v in _opportunity("006000000000001").items()} | {"Renewal_Term__c": "12"}]
    folder = write_export(tmp_path / "export", {"opportunity.csv": opportunities_csv(rows)})

    result = _extract(folder, warehouse_url)

    assert result.loaded == 1
    assert _query(
        warehouse_url,
        "select renewal_term__c, pg_typeof(renewal_term__c)::text, stagename from raw_salesforce.opportunity",
    ) == [("12", "text", "Prospecting")]


def test_15_and_18_character_ids_land_as_the_file_gives_them_and_a_rerun_deletes_nothing(
    tmp_path, warehouse_url
):
    # GIVEN ids in both forms, and the null reference key
    # (001A0000006Vm9r is 001A0000006Vm9rIAC in its 18-character form, as Salesforce documents it)
    rows = [_opportunity(to_18("001A0000006Vm9r")), _opportunity("006Dm00000XyZwV")]
    folder = write_export(tmp_path / "export", {"Opportunity.csv": opportunities_csv(rows)})

    _extract(folder, warehouse_url)
    again = _extract(folder, warehouse_url)

    # THEN they land as given (staging keys records by the first 15 characters), and the same export read
    # again marks none deleted
    assert _query(warehouse_url, "select id, accountid from raw_salesforce.opportunity order by id") == [
        ("001A0000006Vm9rIAC", NULL_KEY_18),
        ("006Dm00000XyZwV", NULL_KEY_18),
    ]
    assert again.deleted == 0


def test_a_second_export_brings_changes_and_marks_records_it_no_longer_holds_deleted(tmp_path, warehouse_url):
    # GIVEN a first export of three deals, extracted
    first = [
        _opportunity("006000000000001", stamp="2026-03-02 10:00:00"),
        _opportunity("006000000000002", stamp="2026-03-02 11:00:00"),
        _opportunity("006000000000003", stamp="2026-03-02 12:00:00"),
    ]
    folder = write_export(tmp_path / "export", {"Opportunity.csv": opportunities_csv(first)})
    _extract(folder, warehouse_url)

    # WHEN the next export has deal 1 changed, deal 3 deleted and deal 4 new
    second = [
        _opportunity("006000000000001", amount="5000", stamp="2026-03-09 09:00:00"),
        _opportunity("006000000000002", stamp="2026-03-02 11:00:00"),
        _opportunity("006000000000004", stamp="2026-03-09 10:00:00"),
    ]
    write_export(folder, {"Opportunity.csv": opportunities_csv(second)})
    result = _extract(folder, warehouse_url)

    # THEN only the rows stamped at or after the watermark travel, deal 1 has its new amount, deal 4 is in,
    # and deal 3 is marked deleted
    assert (result.received, result.loaded, result.deleted) == (2, 2, 1)
    assert _query(
        warehouse_url,
        "select id, amount, _deleted_at is not null from raw_salesforce.opportunity order by id",
    ) == [
        ("006000000000001", 5000, False),
        ("006000000000002", 1000, False),
        ("006000000000003", 1000, True),
        ("006000000000004", 1000, False),
    ]


def test_the_exports_today_is_the_day_after_its_latest_system_modstamp_not_the_wall_clock(tmp_path):
    rows = [
        _opportunity("006000000000001", stamp="2026-03-02 23:59:00"),
        _opportunity("006000000000002", stamp="not a date"),
    ]
    folder = write_export(tmp_path / "export", {"Opportunity.csv": opportunities_csv(rows)})
    (folder / "User.csv").write_text(
        "Id,Name,IsActive,CreatedDate,SystemModstamp\n005000000000001,Ana,1,2025-01-01,2026-03-04T08:00:00.000Z\n"
    )

    # The start of 2026-03-05 is the first as-of date that sees the 2026-03-04 change.
    with SalesforceExportSource(folder) as source:
        assert source.today() == dt.date(2026, 3, 5)


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    folder = write_export(tmp_path / "export", {})
    (folder / "Account.csv").write_bytes(
        "Id,Name,CreatedDate,SystemModstamp\n1,Café,2026-01-01,2026-01-01\n".encode("latin-1")
    )

    with (
        pytest.raises(ExportFileError, match=r"^Account.csv is not UTF-8"),
        SalesforceExportSource(folder) as source,
    ):
        list(source.copy_rows("account", ["id"], None))


def test_two_files_for_one_object_are_named(tmp_path):
    folder = write_export(tmp_path / "export", {"Opportunity.csv": opportunities_csv([])})
    (folder / "OPPORTUNITY.CSV").write_text(opportunities_csv([]))

    with pytest.raises(ExportFileError, match=r"holds OPPORTUNITY.CSV and Opportunity.csv: keep one$"):
        SalesforceExportSource(folder).columns("opportunity")


def test_text_with_line_breaks_tabs_and_backslashes_lands_as_written(tmp_path, warehouse_url):
    # GIVEN a next step as a rep types it: two lines, a tab, a Windows path
    next_step = 'Call Ana\r\nthen send\tthe "quote" from C:\\deals\\q3'
    rows = [_opportunity("006000000000001", NextStep=next_step.replace('"', '""'))]
    folder = write_export(tmp_path / "export", {"Opportunity.csv": opportunities_csv(rows)})

    _extract(folder, warehouse_url)

    assert _query(warehouse_url, "select nextstep from raw_salesforce.opportunity") == [(next_step,)]


def test_a_record_the_export_marks_is_deleted_is_marked_deleted(tmp_path, warehouse_url):
    # GIVEN an export that includes the recycle bin: deal 2 is there with IsDeleted = 1
    first = [_opportunity("006000000000001", IsDeleted="0"), _opportunity("006000000000002", IsDeleted="0")]
    folder = write_export(tmp_path / "export", {"Opportunity.csv": opportunities_csv(first)})
    _extract(folder, warehouse_url)
    second = [
        _opportunity("006000000000001", IsDeleted="0"),
        _opportunity("006000000000002", IsDeleted="1", stamp="2026-03-05 10:00:00"),
    ]
    write_export(folder, {"Opportunity.csv": opportunities_csv(second)})

    result = _extract(folder, warehouse_url)

    assert result.deleted == 1
    assert _query(
        warehouse_url,
        "select id, isdeleted, _deleted_at is not null from raw_salesforce.opportunity order by id",
    ) == [("006000000000001", "0", False), ("006000000000002", "1", True)]


def _deal(
    record_id: str, stage: str, closed: str, won: str, probability: str, category: str
) -> dict[str, str]:
    return _opportunity(
        record_id,
        StageName=stage,
        IsClosed=closed,
        IsWon=won,
        Probability=probability,
        ForecastCategoryName=category,
    )


def test_an_export_without_opportunity_stage_reads_each_stages_meaning_from_its_deals(
    tmp_path, warehouse_url
):
    # GIVEN a weekly export without OpportunityStage.csv, its stages named as no code knows them, one deal
    # whose rep overrode the forecast category
    deals = [
        _deal("006000000000001", "Triage", "0", "0", "20", "Pipeline"),
        _deal("006000000000002", "Triage", "0", "0", "20", "Pipeline"),
        _deal("006000000000003", "Triage", "0", "0", "20", "Best Case"),
        _deal("006000000000004", "Paper Process", "0", "0", "80", "Commit"),
        _deal("006000000000005", "Signed", "1", "1", "100", "Closed"),
        _deal("006000000000006", "Walked Away", "1", "0", "0", "Omitted"),
    ]
    folder = write_export(tmp_path / "export", {"Opportunity.csv": opportunities_csv(deals)})
    (folder / "OpportunityStage.csv").unlink()

    # WHEN the stages are extracted
    source = SalesforceExportSource(folder)
    (result,) = extract_crm(source, warehouse_url, objects=(SALESFORCE_LAYOUT.object("opportunitystage"),))

    # THEN one stage per StageName, its meaning the deals' flags and most common probability and category,
    # ordered open by probability, then won, then lost; the export's today is unchanged
    assert (result.received, result.loaded, result.rejected) == (4, 4, 0)
    assert _query(
        warehouse_url,
        "select masterlabel, sortorder, isclosed, iswon, defaultprobability, forecastcategoryname "
        "from raw_salesforce.opportunitystage order by sortorder",
    ) == [
        ("Triage", 1, False, False, 20, "Pipeline"),
        ("Paper Process", 2, False, False, 80, "Commit"),
        ("Signed", 3, True, True, 100, "Closed"),
        ("Walked Away", 4, True, False, 0, "Omitted"),
    ]
    assert source.today() == dt.date(2026, 3, 3)


def test_an_export_without_opportunity_stage_or_a_readable_opportunity_file_says_so_in_one_line(tmp_path):
    folder = write_export(tmp_path / "export", {"Opportunity.csv": "Id,Name\n006000000000001,Deal\n"})
    (folder / "OpportunityStage.csv").unlink()

    with pytest.raises(ExportFileError) as raised:
        SalesforceExportSource(folder).today()

    message = str(raised.value)
    assert "Opportunity.csv has no column StageName, IsClosed, IsWon" in message
    assert "has no OpportunityStage.csv, and no readable Opportunity.csv" in message
    assert "include OpportunityStage in the data export" in message


def test_an_open_stage_without_a_probability_on_any_deal_is_named(tmp_path, warehouse_url):
    deals = [_deal("006000000000001", "Triage", "0", "0", "", "Pipeline")]
    folder = write_export(tmp_path / "export", {"Opportunity.csv": opportunities_csv(deals)})
    (folder / "OpportunityStage.csv").unlink()

    with pytest.raises(ExportFileError, match="the stage Triage has no Probability on any deal"):
        extract_crm(
            SalesforceExportSource(folder),
            warehouse_url,
            objects=(SALESFORCE_LAYOUT.object("opportunitystage"),),
        )


def test_crm_check_says_what_forecast_category_history_lacks_without_field_history(tmp_path):
    folder = write_export(tmp_path / "export", {"Opportunity.csv": opportunities_csv([])})
    field_history = "forecast category changes on the day they happened"

    # GIVEN an export without OpportunityFieldHistory.csv: ready, but the feature is named as not available
    report = check_crm(SalesforceExportSource(folder))
    needs = {need.need.feature.split(" (")[0]: need for need in report.needs}
    assert not needs[field_history].met and report.problems == []
    assert "not available  forecast category changes on the day they happened" in format_report(report)

    # GIVEN the org's tracked field history in the export: the feature is there
    (folder / "OpportunityFieldHistory.csv").write_text(
        "Id,OpportunityId,Field,OldValue,NewValue,CreatedDate\n"
        "017000000000001,006000000000001,ForecastCategoryName,Pipeline,Commit,2026-03-02 14:05:00\n"
    )
    report = check_crm(SalesforceExportSource(folder))
    assert {need.need.feature.split(" (")[0]: need.met for need in report.needs}[field_history]
