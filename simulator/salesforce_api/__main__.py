"""Serve the demo CRM as a Salesforce org until interrupted (used by bench/salesforce_extract.py):

    python -m simulator.salesforce_api <warehouse url>

Prints one JSON line with instance_url, ca_file and access_token once the server listens."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading

from simulator.salesforce_api.server import serve_demo_crm


def main() -> None:
    with serve_demo_crm(sys.argv[1]) as server:
        print(
            json.dumps(
                {
                    "instance_url": server.instance_url,
                    "ca_file": str(server.ca_file),
                    "access_token": server.api.access_token,
                    "pid": os.getpid(),
                }
            ),
            flush=True,
        )
        # SIGTERM ends the block like Ctrl-C, so the server's temporary folder is removed.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
