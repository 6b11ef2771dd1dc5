"""A handful of syncs into the local HubSpot server killed at random moments (SIGKILL of a child process) and
resumed, under write faults: no duplicate task, no lost update, a log that reconciles."""

from __future__ import annotations

from bench.crash_campaign import FAULTS, run_campaign
from simulator.hubspot_api import serve_demo_crm
from simulator.write_faults import WriteFaults


def test_killed_and_resumed_syncs_leave_no_duplicate_and_no_lost_update(demo_crm):
    faults = WriteFaults(**FAULTS, record_failure_rate=0.02, seed=11)
    with serve_demo_crm(demo_crm, write_faults=faults) as server:
        result = run_campaign(demo_crm, server, runs=4, seed=11, destination="hubspot")

    assert result.rounds == 4 and result.killed >= 1
    assert result.problems == []
    assert (result.duplicate_tasks, result.lost_updates, result.unreconciled_runs, result.journal_left) == (
        0,
        0,
        0,
        0,
    )
    assert result.records_sent > 0
    assert any(r.status == 207 for r in server.api.requests)  # some records were refused one by one
