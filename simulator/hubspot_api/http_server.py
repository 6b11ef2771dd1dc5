"""The HTTP side of the local HubSpot API: routing HubSpot's paths to the reads (reads.py) on the server's state
(state.py) and the writes (writes.py), errors in HubSpot's JSON shape, the write faults a crash campaign injects
(429/503 before the write, slow answers, the connection dropped after the write committed), and the thread that
serves it (`serve_demo_crm`)."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from simulator.hubspot_api import reads
from simulator.hubspot_api.state import (
    BATCH_LIMIT,
    HISTORY_PAGE_LIMIT,
    PAGE_LIMIT,
    ApiError,
    HubSpotApiServer,
    SeenRequest,
    _limit_error,
)

WRITE_ENDINGS = ("/batch/update", "/batch/upsert", "/batch/associate/default")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api: HubSpotApiServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        return self.api.clock()

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        headers: dict[str, str] = {}
        faults = self.api.write_faults
        is_write = method == "POST" and url.path.endswith(WRITE_ENDINGS)
        try:
            self.api.admit(method, token)
            if is_write and faults.happens(faults.status_rate):
                raise _limit_error(faults.rng.choice((429, 503)), "TEN_SECONDLY_ROLLING", faults.retry_after)
            status, payload = self._route(method, url.path, parse_qs(url.query), json.loads(body or b"{}"))
        except ApiError as error:
            status, headers = error.status, error.headers
            payload = {
                "status": "error",
                "message": str(error),
                "correlationId": str(uuid.uuid4()),
                "category": error.category,
            }
            if status == 429:
                payload.update(
                    errorType="RATE_LIMIT", policyName=getattr(error, "policy", "TEN_SECONDLY_ROLLING")
                )
        except reads.BadRequest as error:
            status, payload = (
                400,
                {
                    "status": "error",
                    "message": str(error),
                    "correlationId": str(uuid.uuid4()),
                    "category": "VALIDATION_ERROR",
                },
            )
        except Exception as error:  # a bug or a database error: answered as HubSpot answers its own
            status = 500
            payload = {
                "status": "error",
                "message": f"{type(error).__name__}: {error}",
                "correlationId": str(uuid.uuid4()),
                "category": "INTERNAL_ERROR",
            }
        self.api.requests.append(SeenRequest(method, url.path, status))
        if is_write and faults.happens(faults.slow_rate):
            time.sleep(faults.slow_seconds)
        if is_write and status in (200, 207) and faults.drops_answer():
            # The write is committed; the client never hears so (its retry must be idempotent).
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        content = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(content)))
        if not url.path.endswith("/search"):  # HubSpot's search responses carry no rate-limit headers
            for name, value in self.api.rate_headers().items():
                self.send_header(name, value)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client killed mid-answer
            self.wfile.write(content)

    def _route(self, method: str, path: str, params: dict, body: dict) -> tuple[int, object]:
        api = self.api
        parts = [part for part in path.split("/") if part]
        limit = int(params.get("limit", [PAGE_LIMIT])[0])
        after = params.get("after", [""])[0]
        archived = params.get("archived", ["false"])[0].lower() == "true"
        match method, parts:
            case "POST", ["crm", "v3", "objects", object_type, "batch", "update"]:
                return api.writer.batch_update(api.object_type(object_type), body)
            case "POST", ["crm", "v3", "objects", object_type, "batch", "upsert"]:
                return api.writer.batch_upsert(api.object_type(object_type), body)
            case "POST", ["crm", "v4", "associations", from_type, to_type, "batch", "associate", "default"]:
                return api.writer.associate_default(from_type, to_type, body)
            case "POST", ["crm", "v3", "properties", object_type]:
                return 201, api.create_property(api.object_type(object_type), body)
            case "GET", ["crm", "v3", "properties", object_type, "groups"]:
                return 200, api.group_list(api.object_type(object_type))
            case "POST", ["crm", "v3", "properties", object_type, "groups"]:
                return 201, api.create_group(api.object_type(object_type), body)
        with api.connection() as conn:
            match method, parts:
                case "GET", ["crm", "v3", "owners"]:
                    return 200, reads.owners(
                        conn, limit=min(limit, 500), after=int(after or 0), archived=archived
                    )
                case "GET", ["crm", "v3", "pipelines", "deals"]:
                    return 200, reads.deal_pipelines(conn)
                case "GET", ["crm", "v3", "properties", object_type]:
                    return 200, reads.property_definitions(api.visible(api.object_type(object_type)))
                case "GET", ["crm", "v3", "objects", object_type]:
                    object_type = api.object_type(object_type)
                    history = api.wanted(object_type, params.get("propertiesWithHistory", []))
                    return 200, reads.list_objects(
                        conn,
                        object_type,
                        limit=min(limit, HISTORY_PAGE_LIMIT if history else PAGE_LIMIT),
                        after=after,
                        properties=api.wanted(object_type, params.get("properties", [])),
                        with_history=history,
                        archived=archived,
                    )
                case "POST", ["crm", "v3", "objects", object_type, "search"]:
                    object_type = api.object_type(object_type)
                    body["properties"] = api.wanted(object_type, body.get("properties") or [])
                    return 200, reads.search(conn, object_type, body)
                case "POST", ["crm", "v3", "objects", object_type, "batch", "read"]:
                    object_type = api.object_type(object_type)
                    ids = [item["id"] for item in body.get("inputs") or []]
                    if len(ids) > BATCH_LIMIT:
                        raise reads.BadRequest(f"a batch holds at most {BATCH_LIMIT} inputs")
                    results = reads.batch_read(
                        conn,
                        object_type,
                        ids,
                        api.wanted(object_type, body.get("properties") or []),
                        api.wanted(object_type, body.get("propertiesWithHistory") or []),
                        api.id_property(object_type, body.get("idProperty")),
                    )
                    return 200, _batch(results)
                case "POST", ["crm", "v4", "associations", from_type, to_type, "batch", "read"]:
                    ids = [item["id"] for item in body.get("inputs") or []]
                    if len(ids) > BATCH_LIMIT * 10:
                        raise reads.BadRequest("a batch holds at most 1000 inputs")
                    return 200, _batch(reads.associations(conn, from_type, to_type, ids))
        raise ApiError(404, "OBJECT_NOT_FOUND", f"No route for {method} {path}")


def _batch(results: list) -> dict:
    now = reads.hubspot_value(datetime.now(UTC))
    return {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    api: HubSpotApiServer

    def environment(self) -> dict[str, str]:
        """The MOMENTUM_HUBSPOT_* settings that point Momentum (MOMENTUM_CRM=hubspot) at this server;
        DEMO_SERVER tells crm/connectors.py the portal is the demo CRM behind this server (its grants)."""
        return {
            "MOMENTUM_HUBSPOT_BASE_URL": self.base_url,
            "MOMENTUM_HUBSPOT_ACCESS_TOKEN": self.api.access_token,
            "MOMENTUM_HUBSPOT_DEMO_SERVER": "1",
        }


@contextmanager
def serve_demo_crm(warehouse_url: str, *, port: int = 0, **options: object) -> Iterator[RunningServer]:
    """The demo CRM (schema crm of `warehouse_url`) served as a HubSpot portal over HTTP on 127.0.0.1, in a
    thread, until the block ends. Plain HTTP: the client's urllib3 ignores REQUESTS_CA_BUNDLE anyway."""
    api = HubSpotApiServer(warehouse_url, **options)
    handler = type("Handler", (_Handler,), {"api": api})
    httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="hubspot-api", daemon=True)
    thread.start()
    try:
        yield RunningServer(f"http://127.0.0.1:{httpd.server_address[1]}", api)
    finally:
        httpd.shutdown()
        httpd.server_close()
        api.close()
