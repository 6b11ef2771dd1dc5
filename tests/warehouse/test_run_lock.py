"""One Momentum run at a time per warehouse: a second run waits or refuses with one clear line."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import uuid
from datetime import date

import dagster as dg
import pytest
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.failures import EXIT_USER_ERROR
from orchestration.jobs import ONE_PROCESS
from orchestration.resources import HOST_TAG, PID_TAG, run_lock
from orchestration.runner import close_runs_of_dead_processes
from warehouse.run_lock import RunLockBusy, hold_run_lock


def test_a_second_run_refuses_at_once_naming_the_run_that_holds_the_warehouse(warehouse_url):
    with (
        hold_run_lock(warehouse_url, what="morning"),
        pytest.raises(RunLockBusy) as refused,
        hold_run_lock(warehouse_url, what="retrain"),
    ):
        pytest.fail("two runs held the warehouse at once")
    message = str(refused.value)
    assert f"momentum morning pid {os.getpid()}" in message
    assert "started at" in message and "MOMENTUM_RUN_WAIT" in message
    # ...and once the first run ends, the warehouse is free again
    with hold_run_lock(warehouse_url, what="retrain"):
        pass


def test_a_second_run_waits_for_the_first_within_the_wait_it_was_given(warehouse_url):
    first_holds = threading.Event()

    def first_run():
        with hold_run_lock(warehouse_url, what="morning"):
            first_holds.set()
            time.sleep(0.5)

    thread = threading.Thread(target=first_run)
    thread.start()
    first_holds.wait(10)
    started = time.monotonic()
    with hold_run_lock(warehouse_url, what="retrain", wait_seconds=10, poll_seconds=0.1):
        waited = time.monotonic() - started
    thread.join()
    assert 0.2 < waited < 5


def test_momentum_run_says_in_one_line_that_another_run_holds_the_warehouse(warehouse_url, tmp_path):
    env = {"MOMENTUM_WAREHOUSE_URL": warehouse_url, "MOMENTUM_HOME": str(tmp_path)}
    with hold_run_lock(warehouse_url, what="morning"):
        result = CliRunner().invoke(main, ["run"], env=env)  # for today: a past day is refused first

    assert result.exit_code == EXIT_USER_ERROR
    assert result.output.startswith("momentum: another Momentum run (momentum morning pid")
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_runs_left_started_by_a_killed_process_are_marked_failed():
    # GIVEN an instance holding a run STARTED by a process that is gone, and one of a live process (ours)
    instance = dg.DagsterInstance.ephemeral()
    gone = subprocess.Popen(["true"])
    gone.wait()
    host = socket.gethostname()
    for run_id, pid in (("killed", gone.pid), ("live", os.getpid())):
        instance.add_run(
            dg.DagsterRun(
                job_name="morning",
                run_id=str(uuid.uuid5(uuid.NAMESPACE_URL, run_id)),
                status=dg.DagsterRunStatus.STARTED,
                tags={
                    PID_TAG: str(pid),
                    HOST_TAG: host,
                    "momentum/as_of_date": date(2026, 12, 1).isoformat(),
                },
            )
        )

    # WHEN the next run starts THEN the killed process's run is failed, the live one left alone
    closed = close_runs_of_dead_processes(instance)

    statuses = {run.run_id: run.status for run in instance.get_runs()}
    assert closed == [str(uuid.uuid5(uuid.NAMESPACE_URL, "killed"))]
    assert statuses[closed[0]] == dg.DagsterRunStatus.FAILURE
    assert statuses[str(uuid.uuid5(uuid.NAMESPACE_URL, "live"))] == dg.DagsterRunStatus.STARTED


def _job_needing_the_run_lock() -> dg.JobDefinition:
    @dg.op(required_resource_keys={"run_lock"})
    def step() -> None:
        pass

    @dg.job(resource_defs={"run_lock": run_lock}, executor_def=ONE_PROCESS)
    def scheduled_like():
        step()

    return scheduled_like


def test_a_run_the_schedule_launches_takes_the_lock_itself(warehouse_url, monkeypatch):
    # GIVEN a `momentum run` holding the warehouse, and a run launched without the CLI (no pid tag of ours)
    monkeypatch.setenv("MOMENTUM_WAREHOUSE_URL", warehouse_url)
    job = _job_needing_the_run_lock()
    with hold_run_lock(warehouse_url, what="morning"):
        # WHEN the launched run starts, THEN it refuses, naming the run that holds the warehouse
        with pytest.raises(dg.DagsterResourceFunctionError) as refused:
            job.execute_in_process()
        assert isinstance(refused.value.__cause__, RunLockBusy)
        assert "another Momentum run (momentum morning pid" in str(refused.value.__cause__)
        # AND a run started by the CLI in this process (its pid tag) does not lock itself out
        assert job.execute_in_process(tags={PID_TAG: str(os.getpid())}).success
    # AND once the warehouse is free the launched run takes the lock for its length, then frees it
    assert job.execute_in_process().success
    with hold_run_lock(warehouse_url, what="next"):
        pass


def test_every_job_runs_in_one_process_so_its_run_lock_lasts_the_whole_run():
    from orchestration.definitions import defs

    for name in ("morning", "retrain"):
        assert defs.resolve_job_def(name).executor_def is ONE_PROCESS
    extract = defs.resolve_assets_def(dg.AssetKey(["raw_crm", "opportunity"]))
    assert "run_lock" in extract.required_resource_keys
