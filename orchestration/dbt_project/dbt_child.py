"""`momentum-dbt`: dbt, ended with the Momentum process that started it.

A killed `momentum run` used to leave its `dbt build` running, re-parented to PID 1 and still writing while
the next run started. dagster-dbt starts dbt with a plain Popen (no preexec_fn), so the executable it is given
(orchestration/resources.py) is this entry point: it asks Linux to send it SIGTERM when its parent dies
(prctl PR_SET_PDEATHSIG, which survives exec), then becomes the dbt beside it. Elsewhere it only becomes dbt.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main() -> None:
    dbt = os.path.join(os.path.dirname(sys.executable), "dbt")
    exec_tied_to_parent(dbt, ["dbt", *sys.argv[1:]])


def exec_tied_to_parent(executable: str, argv: list[str]) -> None:
    """Replace this process with `executable`, which gets SIGTERM when this process's parent dies."""
    parent = os.getppid()
    # An ignored or blocked SIGTERM survives exec: whatever started this process (a job runner, a test worker) may
    # have ignored it, and then the death signal below would never end dbt.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the request took effect: no one waits for us
            sys.exit(f"{argv[0]}: the process that started it has ended")
    os.execv(executable, argv)


if __name__ == "__main__":
    main()
