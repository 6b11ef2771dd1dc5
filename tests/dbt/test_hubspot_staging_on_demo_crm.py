"""The HubSpot staging folder (dbt_project/models/staging/hubspot/) against the direct path.

One tiny demo CRM (seed 7) is extracted twice: directly (DemoCrmSource -> raw_crm, staging/demo) and the way
a real portal is read: the local HubSpot API server (simulator/hubspot_api/) serves it over HTTP and the
HubSpot source reads it with hubspot-api-client (pages of 20, so every object pages) -> raw_hubspot,
staging/hubspot. Each lands in its own copy of the database and dbt builds both. Two of the CRM's stages are
renamed first, to names no code knows, so stage meaning must flow from the pipelines' stage metadata.

Same CRM, same deals: fct_deal_snapshots must hold the same rows, and so must the staging contract's
models, but for the columns HubSpot does not keep (KNOWN_DIFFERENCES says which and why). The one that
reaches the snapshots: HubSpot does not say when a contact was associated with a deal, so a role is dated by
the contact's first engagement on the deal or the first extract that held it, and the buying-committee
features (SNAPSHOT_COLUMNS_FROM_ROLE_DATES) may be known later than on the direct path, never earlier (that
would be a leak into training); every other column is identical.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

import psycopg
import pytest

from crm.demo.source import DemoCrmSource
from extract.load import extract_crm
from simulator import build as demo
from simulator.hubspot_api import serve_demo_crm
from tests.crm.hubspot_api.conftest import api_source
from tests.databases import scratch_database
from tests.dbt.dbt_helpers import create_output_tables, run_dbt

TODAY = date(2026, 3, 18)
RENAMED_STAGES = {"Proposal": "Solution Review", "Closed Won": "Signed"}
SELECT = ["--select", "path:models/staging", "+fct_deal_snapshots", "--indirect-selection", "cautious"]
# Contract columns HubSpot does not keep, per model, and why.
KNOWN_DIFFERENCES = {
    # An owner has no role, manager, segment or time zone in HubSpot.
    "stg_crm__users": {"role", "manager_id", "segment", "timezone"},
    "stg_crm__accounts": set(),
    "stg_crm__contacts": set(),
    # HubSpot stages carry no forecast category (deals do: hs_forecast_category).
    "stg_crm__opportunity_stages": {"forecast_category"},
    "stg_crm__opportunities": set(),
    # History rows are rebuilt from property history: ids are the deal and the moment.
    "stg_crm__opportunity_history": {"history_id"},
    # An association has no id or times of its own: keyed by deal and contact, a role counts from the contact's
    # first engagement on the deal or the first extract that held it, and is stamped with the deal's last change.
    "stg_crm__opportunity_contact_roles": {"opportunity_contact_role_id", "created_at", "system_modstamp"},
    # A logged call or email has one time (hs_timestamp), which is its activity date; tasks keep no
    # priority on a logged call or email.
    "stg_crm__tasks": {"activity_date", "priority"},
    "stg_crm__events": set(),
}
SNAPSHOT_COLUMNS_FROM_ROLE_DATES = {"has_economic_buyer", "has_champion", "contact_role_count"}


def _rename_stages(url: str) -> None:
    with psycopg.connect(url) as conn:
        for old, new in RENAMED_STAGES.items():
            for table in ("opportunity_stage", "opportunity", "opportunity_history"):
                conn.execute(f"update crm.{table} set stage_name = %s where stage_name = %s", (new, old))


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


@pytest.fixture(scope="module")
def paths(module_database: str, server_url: str, tmp_path_factory) -> dict[str, str]:
    """name -> database after dbt: `direct` (raw_crm) and `api` (raw_hubspot through the HubSpot API)."""
    direct = module_database
    demo.build_demo_crm(direct, preset="tiny", seed=7, today=TODAY)
    _rename_stages(direct)
    with psycopg.connect(direct) as conn:
        create_output_tables(conn)
    with scratch_database(server_url, "test_dbt_hs_api", template=_name(direct)) as api:
        extract_crm(DemoCrmSource(direct), direct)
        with serve_demo_crm(api) as server:
            extract_crm(api_source(server), api)
        outputs = {}
        for url, command, staging in ((direct, "run", "demo"), (api, "build", "hubspot")):
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
            outputs[staging] = result.stdout
        yield {"direct": direct, "api": api, "output": outputs["hubspot"]}


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


def _rows(url: str, schema: str, table: str, leave_out: set[str] = frozenset()) -> Counter:
    """Every row but its extract time (each extract stamps its own) and `leave_out`, as a multiset."""
    names = [name for name, _ in _columns(url, schema, table) if name not in {"extracted_at", *leave_out}]
    return Counter(
        query(url, "select {} from {}.{}".format(", ".join(f'"{n}"' for n in names), schema, table))
    )


def _difference(direct: Counter, hubspot: Counter) -> str:
    only_direct, only_hubspot = direct - hubspot, hubspot - direct
    return f"only direct ({sum(only_direct.values())}): {list(only_direct)[:3]}; only hubspot " + (
        f"({sum(only_hubspot.values())}): {list(only_hubspot)[:3]}"
    )


def _snapshots(url: str) -> dict[str, dict]:
    names = [name for name, _ in _columns(url, "marts", "fct_deal_snapshots") if name != "extracted_at"]
    rows = query(url, "select {} from marts.fct_deal_snapshots".format(", ".join(f'"{n}"' for n in names)))
    return {row[names.index("snapshot_id")]: dict(zip(names, row, strict=True)) for row in rows}


def test_the_hubspot_api_read_with_hubspot_api_client_gives_the_same_deal_snapshots_as_the_direct_path(paths):
    direct, through_the_api = _snapshots(paths["direct"]), _snapshots(paths["api"])

    assert direct.keys() == through_the_api.keys()
    assert len(direct) > 300
    differing = Counter(
        column
        for snapshot_id, row in direct.items()
        for column, value in row.items()
        if through_the_api[snapshot_id][column] != value
    )
    print(
        f"fct_deal_snapshots through the HubSpot API: {len(direct)} rows compared; columns differing: {differing}"
    )
    assert set(differing) <= SNAPSHOT_COLUMNS_FROM_ROLE_DATES, differing


def test_the_buying_committee_is_never_known_earlier_through_hubspot_than_the_crm_added_it(paths):
    direct, through_the_api = _snapshots(paths["direct"]), _snapshots(paths["api"])

    earlier, later = [], []
    for snapshot_id, row in direct.items():
        hubspot = through_the_api[snapshot_id]
        if (
            hubspot["contact_role_count"] > row["contact_role_count"]
            or (hubspot["has_champion"] and not row["has_champion"])
            or (hubspot["has_economic_buyer"] and not row["has_economic_buyer"])
        ):
            earlier.append(snapshot_id)
        elif any(hubspot[column] != row[column] for column in SNAPSHOT_COLUMNS_FROM_ROLE_DATES):
            later.append(snapshot_id)
    print(
        f"buying committee through HubSpot: {len(earlier)} rows known earlier, {len(later)} later, of {len(direct)}"
    )

    # A role in a snapshot from before the CRM had it would leak into training.
    assert earlier == [], earlier[:5]
    # Dated by engagement, most history rows hold what the CRM held then.
    assert len(later) < len(direct) / 20
    # Today's rows (scoring) see every current role, as the direct path does.
    assert not [snapshot_id for snapshot_id in later if direct[snapshot_id]["is_current"]]


def test_the_portal_has_no_forecast_submissions_so_the_forecast_has_no_commit_line(paths):
    assert query(paths["api"], "select count(*) from staging.stg_crm__forecast_submissions") == [(0,)]
    assert _columns(paths["api"], "staging", "stg_crm__forecast_submissions") == _columns(
        paths["direct"], "staging", "stg_crm__forecast_submissions"
    )


@pytest.mark.parametrize("model", sorted(KNOWN_DIFFERENCES))
def test_every_staging_contract_model_holds_the_same_rows_and_column_types_but_what_hubspot_lacks(
    paths, model
):
    assert _columns(paths["api"], "staging", model) == _columns(paths["direct"], "staging", model)
    leave_out = KNOWN_DIFFERENCES[model]
    direct = _rows(paths["direct"], "staging", model, leave_out)
    hubspot = _rows(paths["api"], "staging", model, leave_out)

    assert direct == hubspot, _difference(direct, hubspot)
    assert direct  # every object of the tiny demo has rows


def test_every_staging_test_passes_on_the_hubspot_path(paths):
    assert "WARN=0 ERROR=0" in paths["output"]


def test_renamed_stages_flow_through_with_their_meaning_from_the_pipeline_stage_metadata(paths):
    url = paths["api"]
    stages = {row[0] for row in query(url, "select distinct stage_name from marts.fct_deal_snapshots")}
    assert "Solution Review" in stages and not stages & set(RENAMED_STAGES)
    # The renamed won stage is won because its metadata says closed at probability 1, whatever its name.
    assert query(url, "select is_closed, is_won from staging.stg_crm__opportunity_stages where stage_name = 'Signed'") == [(True, True)]  # fmt: skip
    (won_labels,) = query(url, """
        select count(*) from marts.fct_deal_snapshots as s
        join staging.stg_crm__opportunities as o using (opportunity_id)
        where o.stage_name = 'Signed' and s.label_won = 1
    """)  # fmt: skip
    assert won_labels[0] > 0


def test_a_later_extract_through_the_api_drops_a_deleted_deal_and_adds_history_and_a_call_incrementally(
    paths, tmp_path
):
    # Last in the module: it changes the API path's database.
    url = paths["api"]
    deleted, touched = (row[0] for row in query(url, "select opportunity_id from marts.fct_deal_snapshots where is_current order by 1 limit 2"))  # fmt: skip
    history_before = query(url, "select history_id, stage_name, amount, close_date, forecast_category from staging.stg_crm__opportunity_history where opportunity_id = %s order by 1", (touched,))  # fmt: skip
    tasks_before = query(url, "select count(*) from staging.stg_crm__tasks")[0][0]
    first_seen_before = query(url, "select deal_contact_id, first_seen_on from staging.stg_hubspot__deal_contacts_first_seen where deal_id = %s order by 1", (touched,))  # fmt: skip
    # GIVEN a deal deleted in the portal, another's amount raised (its history gets a version), and a call logged
    with psycopg.connect(url) as conn:
        # AND a champion added to it that no one has engaged yet (HubSpot keeps no date on the association)
        conn.execute(
            "insert into crm.opportunity_contact_role (opportunity_contact_role_id, opportunity_id, contact_id, role, "
            "created_date, system_modstamp) select '00KDm9999999999', %s, contact_id, 'Champion', crm.system_now(), "
            "crm.system_now() from crm.contact where contact_id not in (select contact_id from "
            "crm.opportunity_contact_role where opportunity_id = %s) order by contact_id limit 1",
            (touched, touched),
        )
        conn.execute("delete from crm.opportunity where opportunity_id = %s", (deleted,))
        conn.execute(
            "update crm.opportunity set amount = amount + 5000, system_modstamp = crm.system_now() + interval '1 hour' "
            "where opportunity_id = %s",
            (touched,),
        )
        conn.execute(
            "insert into crm.opportunity_history (history_id, opportunity_id, created_date, stage_name, amount, "
            "close_date, probability, forecast_category, system_modstamp) select '008Dm9999999999', opportunity_id, "
            "system_modstamp, stage_name, amount, close_date, probability, forecast_category, system_modstamp "
            "from crm.opportunity where opportunity_id = %s",
            (touched,),
        )
        conn.execute(
            "insert into crm.task (task_id, what_id, owner_id, subject, type, status, completed_at, call_disposition, "
            "created_date, system_modstamp) select '00TDm9999999999', opportunity_id, owner_id, 'Call', 'Call', "
            "'Completed', crm.system_now(), 'Connected', crm.system_now(), crm.system_now() + interval '1 hour' "
            "from crm.opportunity where opportunity_id = %s",
            (touched,),
        )
    # WHEN the portal is extracted again through the API (search on the modified date) and dbt runs incrementally
    # for the next day
    next_day = TODAY + timedelta(days=1)
    with serve_demo_crm(url) as server:
        results = {r.object_name: r for r in extract_crm(api_source(server), url)}
    result = run_dbt(url, "run", next_day.isoformat(), tmp_path, *SELECT, staging="hubspot")
    assert result.returncode == 0, result.stdout[-3000:]

    # THEN only the changes travelled, and the deleted deal is marked in raw and gone downstream
    assert results["deal"].received < 10 and results["deal"].deleted == 1
    assert query(url, "select count(*) from staging.stg_crm__opportunities where opportunity_id = %s", (deleted,)) == [(0,)]  # fmt: skip
    assert query(url, "select count(*) from marts.fct_deal_snapshots where is_current and opportunity_id = %s", (deleted,)) == [(0,)]  # fmt: skip
    # AND the touched deal's history keeps its rows and gains one with the new amount, the other values carried
    history_after = query(url, "select history_id, stage_name, amount, close_date, forecast_category from staging.stg_crm__opportunity_history where opportunity_id = %s order by 1", (touched,))  # fmt: skip
    assert history_after[:-1] == history_before
    (new_row,) = history_after[-1:]
    assert new_row[2] == history_before[-1][2] + 5000 and new_row[1] == history_before[-1][1]
    assert new_row[3:] == history_before[-1][3:]
    # AND the call is one more task, on the deal, connected
    assert query(url, "select count(*) from staging.stg_crm__tasks")[0][0] == tasks_before + 1
    assert query(url, "select opportunity_id, is_call, is_connected_call from staging.stg_crm__tasks where task_id = '00TDm9999999999'") == [(touched, True, True)]  # fmt: skip
    # AND the deal's contacts keep the day the first extract saw them, though extracted again; the new champion
    # dates from this run: it counts in this day's snapshot and in none before
    first_seen_after = query(url, "select deal_contact_id, first_seen_on from staging.stg_hubspot__deal_contacts_first_seen where deal_id = %s order by 1", (touched,))  # fmt: skip
    assert [row for row in first_seen_after if row in first_seen_before] == first_seen_before
    assert {day for _, day in first_seen_before} == {TODAY}
    (added,) = [row for row in first_seen_after if row not in first_seen_before]
    assert added[1] == next_day
    (champion,) = query(url, "select created_at, is_champion from staging.stg_crm__opportunity_contact_roles where opportunity_contact_role_id = %s", (added[0],))  # fmt: skip
    assert champion == (datetime.combine(next_day, time(), UTC) - timedelta(seconds=1), True)
    roles = len(first_seen_after)
    assert query(url, "select contact_role_count, has_champion from marts.fct_deal_snapshots where opportunity_id = %s and as_of_date = %s", (touched, next_day)) == [(roles, True)]  # fmt: skip
