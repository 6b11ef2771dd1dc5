"""The local Salesforce API server speaks the documented contract to the real simple-salesforce client."""

from __future__ import annotations

import csv
import io
import random

import psycopg
import pytest
from psycopg import sql
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceMalformedRequest

from crm.salesforce.ids import to_18
from simulator.salesforce_api.catalog import id_18_sql


def _count(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(f"select count(*) from crm.{table}").fetchone()[0]


def test_describe_lists_the_objects_fields_with_salesforce_types(sf_client):
    fields = {field["name"]: field["type"] for field in sf_client.Opportunity.describe()["fields"]}

    assert fields["Id"] == "id"
    assert fields["AccountId"] == "reference"
    assert fields["Amount"] == "currency"
    assert fields["CloseDate"] == "date"
    assert fields["SystemModstamp"] == "datetime"
    assert fields["IsWon"] == "boolean"
    assert fields["IsDeleted"] == "boolean"


def test_rest_query_pages_through_next_records_url_with_18_character_ids(sf_client, demo_crm, salesforce):
    records = list(sf_client.query_all_iter("SELECT Id, OwnerId, Amount, SystemModstamp FROM Opportunity"))

    assert len(records) == _count(demo_crm, "opportunity") > salesforce.api.rest_page_size
    with psycopg.connect(demo_crm) as conn:
        first_id = conn.execute("select min(opportunity_id) from crm.opportunity").fetchone()[0]
    assert to_18(first_id) in {record["Id"] for record in records}
    assert all(len(record["Id"]) == 18 for record in records)
    assert records[0]["attributes"]["type"] == "Opportunity"
    assert records[0]["SystemModstamp"].endswith("+0000")


def test_incremental_soql_filters_on_system_modstamp(sf_client, demo_crm):
    with psycopg.connect(demo_crm) as conn:
        (expected,) = conn.execute(
            "select count(*) from crm.opportunity where system_modstamp >= '2026-11-01T00:00:00Z'"
        ).fetchone()

    result = sf_client.query("SELECT COUNT() FROM Opportunity WHERE SystemModstamp >= 2026-11-01T00:00:00Z")

    assert result["totalSize"] == expected > 0


def test_bulk_query_pages_csv_by_locator(sf_client, demo_crm):
    pages = list(
        sf_client.bulk2.Task.query("SELECT Id, Subject, ActivityDate FROM Task", max_records=100, wait=0)
    )

    rows = [row for page in pages for row in list(csv.DictReader(io.StringIO(page)))]
    assert len(pages) > 1
    assert len(rows) == _count(demo_crm, "task")
    assert len({row["Id"] for row in rows}) == len(rows)


def test_every_response_carries_the_api_usage(sf_client, salesforce):
    sf_client.query("SELECT Id FROM Account LIMIT 1")

    usage = sf_client.api_usage["api-usage"]
    assert (usage.used, usage.total) == (salesforce.api.api_used, salesforce.api.daily_limit)


def test_a_hidden_field_is_absent_from_describe_and_invalid_in_soql(sf_client, salesforce):
    salesforce.api.hide_field("Opportunity", "NextStep")

    assert "NextStep" not in {field["name"] for field in sf_client.Opportunity.describe()["fields"]}
    with pytest.raises(SalesforceMalformedRequest, match="INVALID_FIELD"):
        sf_client.query("SELECT Id, NextStep FROM Opportunity")


@pytest.mark.parametrize(
    ("soql", "error_code"),
    [
        ("SELECT Id FROM Opportunity WHERE SystemModstamp >= '2026-11-01T00:00:00Z'", "INVALID_FIELD"),
        ("SELECT Id FROM Opportunity WHERE SystemModstamp >= 2026-11-01T00:00:00", "MALFORMED_QUERY"),
        ("SELECT Owner.Name FROM Opportunity", "MALFORMED_QUERY"),
    ],
)
def test_soql_the_server_does_not_take_is_refused_as_salesforce_refuses_it(sf_client, soql, error_code):
    with pytest.raises(SalesforceMalformedRequest, match=error_code):
        sf_client.query(soql)


def test_a_wrong_session_is_refused(sf_client, salesforce):
    sf_client.session_id = "not-the-token"
    sf_client.headers["Authorization"] = "Bearer not-the-token"

    with pytest.raises(SalesforceExpiredSession):
        sf_client.query("SELECT Id FROM Account")


def test_the_servers_sql_18_character_ids_match_to_18(warehouse_url):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    rng = random.Random(15)
    ids = ["".join(rng.choice(alphabet) for _ in range(15)) for _ in range(200)] + [
        "001Dm0000000001",
        "short",
    ]
    query = sql.SQL("select {} from unnest(%s::text[]) as t(id)").format(id_18_sql(sql.Identifier("id")))
    with psycopg.connect(warehouse_url) as conn:
        served = [row[0] for row in conn.execute(query, (ids,))]

    assert served == [to_18(record_id) for record_id in ids]


def test_query_all_serves_live_records_only_since_the_demo_crm_deletes_rows_outright(sf_client, demo_crm):
    result = sf_client.query_all("SELECT Id, IsDeleted FROM Account", include_deleted=True)

    assert result["totalSize"] == _count(demo_crm, "account")
    assert not any(record["IsDeleted"] for record in result["records"])
