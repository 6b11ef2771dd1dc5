"""The Salesforce staging folder (dbt_project/models/staging/salesforce/) against the direct path.

One tiny demo CRM (seed 7) is extracted twice: directly (DemoCrmSource -> raw_crm, staging/demo) and as a
Salesforce org (tests/dbt/salesforce_org_source.py: the demo under Salesforce's API names, 18-character ids,
empty references as the null key -> raw_salesforce, staging/salesforce), each into its own copy of the
database, and dbt builds both. Same CRM, same deals: the staging contract models and fct_deal_snapshots must
hold the same rows. Two of the CRM's stages are renamed first (stage metadata and deals), to names no code
knows, so the comparison also shows stage meaning flows from the stage table on both paths. A third copy is
extracted from an org without Momentum's custom fields or the optional objects, and must still build. A
fourth copy is read the way a real org is: the local Salesforce API server (simulator/salesforce_api/) serves
it over HTTPS and the API source reads it with simple-salesforce (Bulk 2.0 for the large objects), and it too
must give the direct path's fct_deal_snapshots.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from urllib.parse import urlsplit

import psycopg
import pytest

from crm.demo.source import DemoCrmSource
from crm.salesforce.fields import SALESFORCE_OBJECTS
from extract.load import extract_crm
from simulator import build as demo
from simulator.salesforce_api import serve_demo_crm
from tests.crm.salesforce_api.conftest import api_source
from tests.databases import scratch_database
from tests.dbt.dbt_helpers import create_output_tables, run_dbt
from tests.dbt.salesforce_org_source import DemoOrgAsSalesforce

TODAY = date(2026, 3, 18)
# Renamed in the demo CRM's stage table, its deals and their history, before either extract.
RENAMED_STAGES = {"Proposal": "Solution Review", "Closed Won": "Signed"}
CONTRACT_MODELS = (
    "stg_crm__users",
    "stg_crm__accounts",
    "stg_crm__contacts",
    "stg_crm__opportunity_stages",
    "stg_crm__opportunities",
    "stg_crm__opportunity_history",
    "stg_crm__opportunity_contact_roles",
    "stg_crm__tasks",
    "stg_crm__events",
    "stg_crm__forecast_submissions",
)
# cautious: no test of a model outside the selection (fct_deal_snapshots -> dim_reps relationships).
SELECT = ["--select", "path:models/staging", "+fct_deal_snapshots", "--indirect-selection", "cautious"]
# What an org that never installed Momentum's suggestions lacks: the custom fields and the optional objects.
CUSTOM_FIELDS = {field.name for o in SALESFORCE_OBJECTS for field in o.fields if field.name.endswith("__c")}
OPTIONAL_OBJECTS = {o.api_name for o in SALESFORCE_OBJECTS if o.optional}


def _rename_stages(url: str) -> None:
    with psycopg.connect(url) as conn:
        for old, new in RENAMED_STAGES.items():
            for table in ("opportunity_stage", "opportunity", "opportunity_history"):
                conn.execute(f"update crm.{table} set stage_name = %s where stage_name = %s", (new, old))


def _relabel_stages_and_add_an_older_export_of_a_deal(url: str) -> None:
    """What an org gives beyond the demo: an admin relabels the stages (MasterLabel; the ApiName deals hold
    stays), and an older export left a deal under its 15-character id beside the API's 18-character row."""
    with psycopg.connect(url) as conn:
        conn.execute(
            "update raw_salesforce.opportunitystage set masterlabel = masterlabel || ' (relabelled)'"
        )
        conn.execute("""
            create temp table older_export as
                select * from raw_salesforce.opportunity order by id limit 1;
            update older_export set id = left(id, 15), name = 'An older name',
                systemmodstamp = systemmodstamp - interval '1 day';
            insert into raw_salesforce.opportunity select * from older_export;
        """)  # fmt: skip


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


@pytest.fixture(scope="module")
def paths(module_database: str, server_url: str, tmp_path_factory) -> dict[str, str]:
    """name -> database after dbt: `direct` (raw_crm), `salesforce`, `bare_org` and `api` (raw_salesforce)."""
    direct = module_database
    demo.build_demo_crm(direct, preset="tiny", seed=7, today=TODAY)
    _rename_stages(direct)
    with psycopg.connect(direct) as conn:
        create_output_tables(conn)
    with (
        scratch_database(server_url, "test_dbt_sf", template=_name(direct)) as salesforce,
        scratch_database(server_url, "test_dbt_sf_bare", template=_name(direct)) as bare_org,
        scratch_database(server_url, "test_dbt_sf_api", template=_name(direct)) as api,
    ):
        extract_crm(DemoCrmSource(direct), direct)
        extract_crm(DemoOrgAsSalesforce(salesforce), salesforce)
        _relabel_stages_and_add_an_older_export_of_a_deal(salesforce)
        # An org without Momentum's suggestions, whose stages carry no ApiName (as an export may).
        extract_crm(
            DemoOrgAsSalesforce(bare_org, without=CUSTOM_FIELDS | OPTIONAL_OBJECTS | {"ApiName"}), bare_org
        )
        # Bulk 2.0 from 50 changed records, so the tiny CRM's large objects take the Bulk path.
        with serve_demo_crm(api, rest_page_size=50) as server:
            extract_crm(api_source(server, bulk_threshold=50), api)
        for url, command, staging in (
            (direct, "run", "demo"),
            (salesforce, "build", "salesforce"),
            (bare_org, "build", "salesforce"),
            (api, "run", "salesforce"),
        ):
            result = run_dbt(
                url, command, TODAY.isoformat(), tmp_path_factory.mktemp("dbt"), *SELECT, staging=staging
            )
            failures = [line for line in result.stdout.splitlines() if "ERROR" in line or "Got " in line]
            assert result.returncode == 0, (
                staging,
                failures[-20:],
                result.stdout[-3000:],
                result.stderr[-2000:],
            )
            if url == salesforce:
                salesforce_output = result.stdout
        yield {
            "direct": direct,
            "salesforce": salesforce,
            "bare_org": bare_org,
            "api": api,
            "output": salesforce_output,
        }


def query(url: str, statement: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def _columns(url: str, schema: str, table: str) -> list[tuple[str, str]]:
    return query(
        url,
        "select column_name, data_type from information_schema.columns where table_schema = %s "
        "and table_name = %s order by ordinal_position",
        (schema, table),
    )


def _rows(url: str, schema: str, table: str) -> Counter:
    """Every row but its extract time (each extract stamps its own), as a multiset."""
    names = [name for name, _ in _columns(url, schema, table) if name != "extracted_at"]
    return Counter(
        query(url, "select {} from {}.{}".format(", ".join(f'"{n}"' for n in names), schema, table))
    )


def _difference(direct: Counter, salesforce: Counter) -> str:
    only_direct, only_salesforce = direct - salesforce, salesforce - direct
    return f"only direct ({sum(only_direct.values())}): {list(only_direct)[:3]}; only salesforce " + (
        f"({sum(only_salesforce.values())}): {list(only_salesforce)[:3]}"
    )


def test_the_salesforce_path_gives_the_same_deal_snapshots_as_the_direct_path(paths):
    direct = _rows(paths["direct"], "marts", "fct_deal_snapshots")
    salesforce = _rows(paths["salesforce"], "marts", "fct_deal_snapshots")

    assert direct == salesforce, _difference(direct, salesforce)
    print(f"fct_deal_snapshots: {sum(direct.values())} rows compared, identical")
    assert sum(direct.values()) > 300


def test_the_salesforce_api_read_with_simple_salesforce_gives_the_same_deal_snapshots_as_the_direct_path(
    paths,
):
    direct = _rows(paths["direct"], "marts", "fct_deal_snapshots")
    through_the_api = _rows(paths["api"], "marts", "fct_deal_snapshots")

    assert direct == through_the_api, _difference(direct, through_the_api)
    print(f"fct_deal_snapshots through the API: {sum(direct.values())} rows compared, identical")


@pytest.mark.parametrize("model", CONTRACT_MODELS)
def test_every_staging_contract_model_holds_the_same_rows_and_column_types_on_both_paths(paths, model):
    assert _columns(paths["salesforce"], "staging", model) == _columns(paths["direct"], "staging", model)
    direct = _rows(paths["direct"], "staging", model)
    salesforce = _rows(paths["salesforce"], "staging", model)
    if model == "stg_crm__opportunity_history":
        # A forecast category changed on its own reaches the org's history through OpportunityFieldHistory,
        # whose ids the local org gives field history's key prefix (simulator/salesforce_org.py).
        salesforce = Counter({_demo_history_id(row): n for row, n in salesforce.items()})

    assert direct == salesforce, _difference(direct, salesforce)
    assert direct  # every object of the tiny demo has rows


def _demo_history_id(row: tuple) -> tuple:
    history_id = row[0]
    return ("008" + history_id[3:], *row[1:]) if history_id.startswith("017") else row


def test_forecast_category_changes_made_on_their_own_come_from_field_history(paths):
    url = paths["salesforce"]
    (rebuilt,) = query(url, "select count(*) from staging.stg_crm__opportunity_history where left(history_id, 3) = '017'")[0]  # fmt: skip
    # GIVEN a CRM where reps change forecast categories without moving stage, amount or close date
    assert rebuilt > 0
    # ... an org without field history still builds, and sees those changes only at the next history row.
    bare = "select count(*) from staging.stg_crm__opportunity_history"
    assert query(paths["bare_org"], bare)[0][0] == query(url, bare)[0][0] - rebuilt


def test_every_staging_test_passes_on_the_salesforce_path(paths):
    assert "WARN=0 ERROR=0" in paths["output"]


def test_salesforce_ids_are_keyed_by_their_15_characters_and_the_null_key_is_null(paths):
    url = paths["salesforce"]
    # The org gives 18-character ids and the null key for an empty reference ...
    assert query(url, "select min(length(id)), max(length(id)) from raw_salesforce.user") == [(18, 18)]
    top_managers = query(
        url, "select count(*) from raw_salesforce.user where managerid = '000000000000000AAA'"
    )
    assert top_managers[0][0] > 0
    # ... staging keys by the 15 and reads the null key as no manager.
    assert query(url, "select min(length(opportunity_id)), max(length(opportunity_id)) from staging.stg_crm__opportunities") == [(15, 15)]  # fmt: skip
    assert query(url, "select count(*) from staging.stg_crm__users where manager_id is null") == top_managers
    # A deal an older export left under its 15-character id is one deal, in its newest version.
    assert query(url, "select count(*) from raw_salesforce.opportunity where name = 'An older name'") == [
        (1,)
    ]
    assert query(url, "select count(*) from staging.stg_crm__opportunities where opportunity_name = 'An older name'") == [(0,)]  # fmt: skip


def test_renamed_stages_flow_through_with_their_meaning_from_the_stage_table(paths):
    url = paths["salesforce"]
    stages = {row[0] for row in query(url, "select distinct stage_name from marts.fct_deal_snapshots")}
    assert "Solution Review" in stages and not stages & set(RENAMED_STAGES)
    # Deals that ended in the renamed won stage are labelled won.
    (won_labels,) = query(url, """
        select count(*) from marts.fct_deal_snapshots as s
        join staging.stg_crm__opportunities as o using (opportunity_id)
        where o.stage_name = 'Signed' and s.label_won = 1
    """)  # fmt: skip
    assert won_labels[0] > 0


def test_an_org_without_the_custom_fields_or_the_optional_objects_still_builds(paths):
    url = paths["bare_org"]
    assert query(url, "select to_regclass('raw_salesforce.userrole'), to_regclass('raw_salesforce.forecast_submission__c')") == [(None, None)]  # fmt: skip
    # Custom fields read as null, roles come from the reporting lines, and the deals are all there.
    assert query(url, "select count(segment), count(region) from staging.stg_crm__accounts") == [(0, 0)]
    assert query(url, "select count(*) from staging.stg_crm__forecast_submissions") == [(0,)]
    # Without UserRole, the reporting lines give the demo's own roles: whoever manages someone is its manager.
    roles = "select user_id, role from staging.stg_crm__users order by user_id"
    assert query(url, roles) == query(paths["direct"], roles)
    assert {role for _, role in query(url, roles)} == {"Account Executive", "Sales Manager"}
    # Without ApiName, stages are named by their label, and the deals still find theirs.
    unstaged = "select count(*) from staging.stg_crm__opportunities where stage_name not in (select stage_name from staging.stg_crm__opportunity_stages)"
    assert query(url, unstaged) == [(0,)]
    assert query(url, "select count(*) from marts.fct_deal_snapshots") == query(
        paths["salesforce"], "select count(*) from marts.fct_deal_snapshots"
    )


def test_a_later_extract_drops_a_deleted_deal_and_adds_a_new_task_incrementally(paths, tmp_path):
    # Last in the module: it changes the salesforce path's database.
    url = paths["salesforce"]
    deleted, touched = (row[0] for row in query(url, "select opportunity_id from marts.fct_deal_snapshots where is_current order by 1 limit 2"))  # fmt: skip
    tasks_before = query(url, "select count(*) from staging.stg_crm__tasks")[0][0]
    # GIVEN a deal deleted in the org and a call logged on another
    with psycopg.connect(url) as conn:
        conn.execute("delete from crm.opportunity where opportunity_id = %s", (deleted,))
        conn.execute(
            "insert into crm.task (task_id, what_id, owner_id, subject, type, status, created_date, system_modstamp) "
            "select '00TDm9999999999', opportunity_id, owner_id, 'Call', 'Call', 'Completed', now(), now() "
            "from crm.opportunity where opportunity_id = %s",
            (touched,),
        )
        # ... and its rep moves its forecast category, nothing else (field history only, in the org)
        conn.execute(
            "insert into crm.opportunity_history select '008Dm9999999998', opportunity_id, now(), stage_name, "
            "amount, close_date, probability, case when forecast_category = 'Commit' then 'Best Case' else 'Commit' end, now() "
            "from crm.opportunity_history where opportunity_id = %s order by created_date desc, history_id desc limit 1",
            (touched,),
        )
    latest_history = "select stage_name, amount, close_date, forecast_category from staging.stg_crm__opportunity_history where opportunity_id = %s order by created_at desc, history_id desc limit 1"  # fmt: skip
    (before,) = query(url, latest_history, (touched,))
    # WHEN the org is extracted again and dbt runs incrementally
    extract_crm(DemoOrgAsSalesforce(url), url)
    result = run_dbt(url, "run", TODAY.isoformat(), tmp_path, *SELECT, staging="salesforce")
    assert result.returncode == 0, result.stdout[-3000:]

    # THEN the deleted deal is marked in raw and gone from staging and today's snapshot
    # (The older export's 15-character row of another deal is marked too: the org lists ids in 18 characters.)
    marked = "select left(id, 15), length(id) from raw_salesforce.opportunity where _deleted_at is not null order by 2"
    rows = query(url, marked)
    assert rows[-1] == (deleted, 18) and [length for _, length in rows[:-1]] == [15]
    assert query(url, "select count(*) from staging.stg_crm__opportunities where opportunity_id = %s", (deleted,)) == [(0,)]  # fmt: skip
    today = "select count(*) from marts.fct_deal_snapshots where is_current and opportunity_id = %s"
    assert query(url, today, (deleted,)) == [(0,)]
    # AND the new call is one more task, on the deal, keyed by 15-character ids
    assert query(url, "select count(*) from staging.stg_crm__tasks")[0][0] == tasks_before + 1
    assert query(
        url, "select opportunity_id from staging.stg_crm__tasks where task_id = '00TDm9999999999'"
    ) == [(touched,)]
    # AND the category change is a history row carrying the stage, amount and close date extracted earlier
    (after,) = query(url, latest_history, (touched,))
    assert after[:3] == before[:3] and after[3] != before[3]
    assert query(url, "select count(*) from staging.stg_crm__opportunity_history where history_id = '017Dm9999999998'") == [(1,)]  # fmt: skip
