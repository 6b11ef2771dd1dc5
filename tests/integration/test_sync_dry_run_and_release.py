"""`momentum run --dry-run` and `--force-sync` on the real chain (a copy of the shared tiny demo, its champion
trained and its first morning synced: tests/integration/conftest.py): a dry run writes nothing to the CRM or
the sync state and announces what the real run then writes; a mass change stopped by the payload's check is
released, logged, for the one sync named."""

import dagster as dg
import psycopg
import pytest

from orchestration.reverse_etl.run_config import sync_run_config
from orchestration.runner import run_job
from orchestration.summary import print_run_summary
from warehouse.settings import load_settings

EDITED_DEALS = 5


@pytest.fixture
def demo(tiny_demo, tmp_path, monkeypatch):
    home = tmp_path / "home"
    with tiny_demo.copy(home) as url:
        monkeypatch.setenv("MOMENTUM_WAREHOUSE_URL", url)
        monkeypatch.setenv("MOMENTUM_HOME", str(home))
        monkeypatch.setenv("MOMENTUM_MIN_CLOSED_DEALS", "8")
        yield url, tiny_demo.as_of


def _query(url: str, statement: str, params=None):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(statement, params).fetchall()


def _crm_and_state(url: str):
    """Every column of every opportunity and task, and the sync state: any write changes it."""
    return _query(
        url,
        "select (select md5(string_agg(o::text, ',' order by opportunity_id)) from crm.opportunity o),"
        " (select md5(string_agg(t::text, ',' order by task_id)) from crm.task t),"
        " (select md5(string_agg(s.sync_name || s.record_key || s.payload_hash, ',' order by 1))"
        " from reverse_etl.sync_state s)",
    )


def _edit_synced_deals(url: str, where: str) -> int:
    """Someone overwrote Momentum's win probability on some deals, and the sync state was restored from an
    older backup for them: the next morning must write them again."""
    with psycopg.connect(url, autocommit=True) as conn:
        ids = [
            row[0]
            for row in conn.execute(
                f"select opportunity_id from crm.opportunity where ai_win_probability is not null {where}"
            )
        ]
        conn.execute(
            "update crm.opportunity set ai_win_probability = 0.0123 where opportunity_id = any(%s)", (ids,)
        )
        conn.execute(
            "update reverse_etl.sync_state set payload_hash = 'older' where sync_name = 'opportunity_fields'"
            " and record_key = any(%s)",
            (ids,),
        )
    return len(ids)


def _sync_log(url: str, run_id: str) -> dict:
    rows = _query(
        url,
        "select sync_name, status, written, force_reason, forced_by from reverse_etl.sync_log"
        " where dagster_run_id = %s",
        (run_id,),
    )
    return {name: rest for name, *rest in rows}


def test_a_dry_run_writes_nothing_and_announces_what_the_real_run_writes(demo, capsys):
    url, as_of = demo
    edited = _edit_synced_deals(url, f"order by opportunity_id limit {EDITED_DEALS}")
    before = _crm_and_state(url)

    # WHEN the morning runs dry (momentum run --dry-run)
    dry = run_job(
        load_settings(), "morning", as_of, instance=dg.DagsterInstance.ephemeral(),
        op_config=sync_run_config(dry_run=True),
    )  # fmt: skip

    # THEN the CRM and the sync state are as they were, and it says per field what would change
    assert dry.success, (dry.failed_steps, dry.failed_checks)
    assert _crm_and_state(url) == before
    assert {name: status for name, (status, *_) in _sync_log(url, dry.run_id).items()} == {
        "momentum_forecast": "dry_run",
        "opportunity_fields": "dry_run",
        "tasks": "dry_run",
    }
    counts = dry.dry_runs["opportunity_fields"]["field_counts"]
    assert counts["ai_win_probability"] == edited
    sample = dry.dry_runs["opportunity_fields"]["sample"]
    assert sample[0]["changes"]["ai_win_probability"][0] == "0.0123"
    print_run_summary(load_settings(), [dry], total_seconds=None)
    printed = capsys.readouterr().out
    assert f"ai_win_probability {edited}" in printed
    assert "dry run: nothing was written to the CRM or to reverse_etl.sync_state" in printed

    # AND the real run then writes exactly what the dry run announced, sync by sync
    real = run_job(load_settings(), "morning", as_of, instance=dg.DagsterInstance.ephemeral())
    assert real.success, (real.failed_steps, real.failed_checks)
    announced = {name: written for name, (_, written, *_) in _sync_log(url, dry.run_id).items()}
    done = {name: written for name, (_, written, *_) in _sync_log(url, real.run_id).items()}
    assert announced == done and done["opportunity_fields"] == edited
    assert _query(url, "select count(*) from crm.opportunity where ai_win_probability = 0.0123") == [(0,)]


def test_a_mass_change_is_stopped_with_the_command_that_releases_it_and_the_release_is_logged(demo, capsys):
    url, as_of = demo
    _edit_synced_deals(url, "")  # every synced deal: far over the 60% limit
    before = _crm_and_state(url)

    # WHEN the morning runs, THEN the payload's check stops both syncs and the summary names the way out
    stopped = run_job(load_settings(), "morning", as_of, instance=dg.DagsterInstance.ephemeral())
    assert not stopped.success and _crm_and_state(url) == before
    print_run_summary(load_settings(), [stopped], total_seconds=None)
    printed = capsys.readouterr().out
    assert '`momentum run --force-sync opportunity_fields --reason "..."`' in printed
    assert "`momentum run --dry-run`" in printed

    # WHEN it is released for the opportunity sync, with a reason
    forced = run_job(
        load_settings(), "morning", as_of, instance=dg.DagsterInstance.ephemeral(),
        op_config=sync_run_config(forced={"opportunity_fields": "CRM restored from backup"}, by="dana"),
    )  # fmt: skip

    # THEN both syncs run, the opportunities are written, and the log and the summary say who and why
    assert forced.success, (forced.failed_steps, forced.failed_checks)
    log = _sync_log(url, forced.run_id)
    assert log["opportunity_fields"][0] == "succeeded" and log["opportunity_fields"][1] > 0
    assert log["opportunity_fields"][2:] == ["CRM restored from backup", "dana"]
    assert log["tasks"][2:] == [None, None]
    print_run_summary(load_settings(), [forced], total_seconds=None)
    assert "guard released by dana: CRM restored from backup" in capsys.readouterr().out
