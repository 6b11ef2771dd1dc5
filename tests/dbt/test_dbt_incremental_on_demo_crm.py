"""Time travel on the simulated CRM (simulator.build, preset "tiny"): build, advance the CRM 10 days, build again.

Past snapshots must not move (only labels that became known), and the incremental run must leave
the same table as a full refresh, on data with the defects and same-day changes a real CRM has.
"""

from __future__ import annotations

from datetime import date, timedelta

import psycopg
import pytest

from simulator import advance as demo_advance
from simulator import build as demo
from tests.dbt.dbt_helpers import append_crm_to_raw_crm, copy_crm_into_raw_crm, create_output_tables, run_dbt

FIRST_DAY = date(2026, 3, 18)
DAYS = 10  # crosses two Mondays (03-23, 03-30)
LABELS = ("label_won", "label_slipped")
INCREMENTAL_MODELS = (
    "staging.stg_crm__tasks",
    "intermediate.int_activities_unioned",
    "intermediate.int_opportunities_spined_weekly",
    "intermediate.int_snapshot_activities_aggregated",
    "intermediate.int_snapshot_contact_roles_aggregated",
    "intermediate.int_rep_win_rates_trailing",
    "marts.fct_pipeline_changes",
)


def snapshot_rows(url: str) -> dict[str, dict]:
    with psycopg.connect(url) as conn:
        cursor = conn.execute("select * from marts.fct_deal_snapshots")
        names = [column.name for column in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def model_rows(url: str) -> dict[str, set[tuple]]:
    """The rows of every incremental model besides fct_deal_snapshots."""
    with psycopg.connect(url) as conn:
        return {name: set(conn.execute(f"select * from {name}").fetchall()) for name in INCREMENTAL_MODELS}


@pytest.fixture(scope="module")
def runs(module_database: str, tmp_path_factory) -> dict:
    url, work = module_database, tmp_path_factory.mktemp("dbt")
    demo.build_demo_crm(url, preset="tiny", seed=7, today=FIRST_DAY)
    with psycopg.connect(url) as conn:
        copy_crm_into_raw_crm(conn)
        create_output_tables(conn)

    def run(as_of: date, *extra: str) -> tuple[dict[str, dict], dict[str, set[tuple]]]:
        result = run_dbt(
            url,
            "run",
            as_of.isoformat(),
            work,
            "--select",
            "+fct_deal_snapshots",
            "+fct_pipeline_changes",
            *extra,
        )
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
        return snapshot_rows(url), model_rows(url)

    first, _ = run(FIRST_DAY)
    demo_advance.advance_demo_crm(url, days=DAYS)
    with psycopg.connect(url) as conn:
        append_crm_to_raw_crm(conn)
    next_day = FIRST_DAY + timedelta(days=DAYS)
    incremental, incremental_intermediates = run(next_day)
    full, full_intermediates = run(next_day, "--full-refresh")
    return {
        "first": first,
        "incremental": incremental,
        "full": full,
        "intermediates": (incremental_intermediates, full_intermediates),
    }


def test_incremental_run_on_the_advanced_crm_equals_a_full_refresh(runs):
    assert runs["incremental"] == runs["full"]


@pytest.mark.parametrize("name", INCREMENTAL_MODELS)
def test_each_incremental_model_on_the_advanced_crm_equals_its_full_refresh(runs, name):
    incremental, full = (tables[name] for tables in runs["intermediates"])
    assert incremental == full
    assert len(full) > 50


def test_past_snapshots_are_unchanged_except_labels_that_became_known(runs):
    # GIVEN the rows of the Mondays before the first run's today
    past = {key: row for key, row in runs["first"].items() if row["as_of_date"] < FIRST_DAY}
    later = runs["incremental"]

    # THEN every one is still there, with the same features
    assert past.keys() <= later.keys()
    changed = [
        key
        for key, row in past.items()
        if {**row, **dict.fromkeys(LABELS)} != {**later[key], **dict.fromkeys(LABELS)}
    ]
    assert changed == []
    # AND labels only went from unknown to known, and some did (deals closed in those 10 days)
    newly_labelled = [key for key, row in past.items() if row["label_won"] != later[key]["label_won"]]
    assert all(past[key]["label_won"] is None for key in newly_labelled)
    assert newly_labelled
