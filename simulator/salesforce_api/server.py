"""A local Salesforce API over HTTPS serving the demo CRM, close enough to the documented contract that
the real simple-salesforce client talks to it unchanged (docs/crm-api-contracts.md, section 4).

Served under `/services/data/vNN.N/`: `sobjects`, `sobjects/<Object>/describe`, `query` and `queryAll`
with `nextRecordsUrl` paging, Bulk 2.0 query jobs (`jobs/query`, CSV results paged by `Sforce-Locator`),
and `limits`. Every response carries `Sforce-Limit-Info: api-usage=N/M`; its `Date` is the demo CRM's
clock (crm.system_now()), as a real org's is its server's. The demo CRM is read through read-only
connections; `queryAll` returns live rows only, since the demo CRM deletes rows outright.

Writes (sObject Collections update and upsert by external id) go through writes.py into the demo CRM.

For tests, `SalesforceApiServer` injects faults: the next N requests answered 429 or 503 with
Retry-After, the daily API limit reached (403 REQUEST_LIMIT_EXCEEDED), fields hidden by field-level
security (absent from describe, INVALID_FIELD in SOQL), Momentum's custom fields not deployed, and at rates
(`WriteFaults`) on writes: 429/503, slow answers, the connection dropped after the write was committed,
per-record failures. `requests` records what the server saw.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import secrets
import shutil
import socket
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg

from simulator.read_only_connections import ReadOnlyConnections
from simulator.salesforce_api.api_error import ApiError
from simulator.salesforce_api.catalog import ApiObject, read_catalog
from simulator.salesforce_api.queries import QueryApi
from simulator.salesforce_api.results import CsvResult, JsonResult
from simulator.salesforce_api.writes import OrgWriter, WriteFaults

REST_PAGE_SIZE = 2000  # Salesforce's default batch size for query pages
DEFAULT_DAILY_LIMIT = 100_000
# Momentum's custom fields (docs: README, "Salesforce write-back"); an org that has not deployed them lacks them.
MOMENTUM_FIELD_PREFIX = "AI_"


@dataclass
class Fault:
    status: int
    remaining: int
    retry_after: int
    method: str | None = None  # only requests with this method (e.g. POST: a Bulk job's creation)


@dataclass
class SeenRequest:
    method: str
    path: str
    status: int


@dataclass
class SalesforceApiServer(QueryApi):
    """The server's state: what it serves, its API budget, injected faults and the requests it saw."""

    warehouse_url: str
    access_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    daily_limit: int = DEFAULT_DAILY_LIMIT
    rest_page_size: int = REST_PAGE_SIZE
    api_used: int = 0
    hidden_fields: set[tuple[str, str]] = field(default_factory=set)
    momentum_fields_deployed: bool = True
    """False: describe and writes lack Momentum's custom fields, as in an org whose admin has not deployed them."""
    write_faults: WriteFaults = field(default_factory=WriteFaults)
    # The latest requests, for tests (bounded: a demo server may run for many mornings).
    requests: deque[SeenRequest] = field(default_factory=lambda: deque(maxlen=100_000))
    _faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._connections = ReadOnlyConnections(self.warehouse_url)
        self._folder = Path(tempfile.mkdtemp(prefix="momentum-salesforce-api-"))
        self._queries: dict[str, JsonResult] = {}
        self._jobs: dict[str, tuple[dict, CsvResult]] = {}
        with self.connection() as conn:
            self.catalog = read_catalog(conn, momentum_objects=self.momentum_fields_deployed)
        if not self.momentum_fields_deployed:
            for object_name, api_object in self.catalog.items():
                for api_field in api_object.fields:
                    if api_field.name.startswith(MOMENTUM_FIELD_PREFIX):
                        self.hidden_fields.add((object_name, api_field.name))
        self.writer = OrgWriter(self.api_object, self._write_connection, self.write_faults)

    def _write_connection(self) -> psycopg.Connection:
        return psycopg.connect(self.warehouse_url, options="-c timezone=UTC")

    # --- faults (tests) -------------------------------------------------------------------------------
    def fail_next(self, status: int, count: int = 1, retry_after: int = 1, method: str | None = None) -> None:
        """Answer the next `count` requests (with `method`, or any) with `status`: 429 or 503 with a
        Retry-After header, or 403 REQUEST_LIMIT_EXCEEDED (the concurrent-request limit)."""
        with self._lock:
            self._faults.append(Fault(status, count, retry_after, method))

    def exhaust_daily_limit(self) -> None:
        with self._lock:
            self.api_used = self.daily_limit

    def hide_field(self, object_name: str, field_name: str) -> None:
        """Field-level security: the field disappears from describe and SOQL naming it fails."""
        self.hidden_fields.add((object_name, field_name))

    # --- plumbing --------------------------------------------------------------------------------------
    def connection(self) -> AbstractContextManager[psycopg.Connection]:
        """A pooled read-only connection to the demo CRM."""
        return self._connections.connection()

    def close(self) -> None:
        self._connections.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def clock(self) -> str:
        """The HTTP Date: the demo CRM's own now (its simulated today), else the database's."""
        with self.connection() as conn:
            now = conn.execute(
                "select case when to_regprocedure('crm.system_now()') is not null then crm.system_now() else now() end"
            ).fetchone()[0]
        return email.utils.format_datetime(now, usegmt=True)

    def admit(self, method: str, path: str, token: str | None) -> None:
        """Faults, authentication and the daily budget, in Salesforce's order; counts the call."""
        with self._lock:
            fault = next((f for f in self._faults if f.method in (None, method)), None)
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                if fault.status == 403:  # the org's concurrent-request limit, not its daily budget
                    raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.")
                message = "Too many requests" if fault.status == 429 else "Server unavailable"
                raise ApiError(
                    fault.status, "SERVER_UNAVAILABLE", message, {"Retry-After": str(fault.retry_after)}
                )
            if token != self.access_token:
                raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
            if self.api_used >= self.daily_limit:
                raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            self.api_used += 1

    def limit_info(self) -> str:
        return f"api-usage={self.api_used}/{self.daily_limit}"

    # --- objects -------------------------------------------------------------------------------------
    def api_object(self, name: str) -> ApiObject:
        for object_name, api_object in self.catalog.items():
            if object_name.lower() == name.lower():
                visible = tuple(
                    f for f in api_object.fields if (object_name, f.name) not in self.hidden_fields
                )
                return ApiObject(object_name, visible)
        raise ApiError(404, "NOT_FOUND", f"The requested resource does not exist: sObject type '{name}'")

    def describe(self, name: str) -> dict:
        api_object = self.api_object(name)
        return {
            "name": api_object.name,
            "label": api_object.name,
            "queryable": True,
            "custom": api_object.name.endswith("__c"),
            "fields": [api_field.describe() for api_field in api_object.fields],
        }

    def list_objects(self) -> dict:
        return {
            "encoding": "UTF-8",
            "maxBatchSize": 200,
            "sobjects": [{"name": name, "label": name, "queryable": True} for name in self.catalog],
        }

    def limits(self) -> dict:
        return {
            "DailyApiRequests": {
                "Max": self.daily_limit,
                "Remaining": max(0, self.daily_limit - self.api_used),
            }
        }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one TLS handshake per client session, not per request
    api: SalesforceApiServer  # set on the subclass made for each server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # the tests read `api.requests`; stderr stays quiet

    def date_time_string(self, timestamp: float | None = None) -> str:
        return self.api.clock()

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        faults = self.api.write_faults
        is_write = method == "PATCH" and "/composite/sobjects" in url.path
        try:
            self.api.admit(method, url.path, token)
            if is_write and faults.happens(faults.status_rate):
                status = faults.rng.choice((429, 503))
                raise ApiError(
                    status, "SERVER_UNAVAILABLE", "Injected fault", {"Retry-After": str(faults.retry_after)}
                )
            status, payload, headers = self._route(method, url.path, parse_qs(url.query), body)
        except ApiError as error:
            status, headers = error.status, error.headers
            payload = [{"message": str(error), "errorCode": error.error_code, "fields": []}]
        except Exception as error:  # a bug or a database error: answered as Salesforce answers its own
            status, headers = 500, {}
            payload = [{"message": f"{type(error).__name__}: {error}", "errorCode": "UNKNOWN_EXCEPTION"}]
        self.api.requests.append(SeenRequest(method, url.path, status))
        if is_write and faults.happens(faults.slow_rate):
            time.sleep(faults.slow_seconds)
        if is_write and status == 200 and faults.drops_answer():
            # The write is committed; the client never hears so (its retry must be idempotent).
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if isinstance(payload, bytes):
            content, content_type = payload, "text/csv; charset=UTF-8"
        else:
            content, content_type = json.dumps(payload).encode(), "application/json;charset=UTF-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("Sforce-Limit-Info", self.api.limit_info())
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(content)

    def _route(self, method: str, path: str, params: dict, body: bytes) -> tuple[int, object, dict[str, str]]:
        parts = [part for part in path.split("/") if part]
        if parts[:2] != ["services", "data"] or len(parts) < 4 or not parts[2].startswith("v"):
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        version, resource = parts[2][1:], parts[3:]
        api = self.api
        match method, resource:
            case "PATCH", ["composite", "sobjects"]:
                return 200, api.writer.update(json.loads(body or b"{}")), {}
            case "PATCH", ["composite", "sobjects", object_name, external_field]:
                return 200, api.writer.upsert(object_name, external_field, json.loads(body or b"{}")), {}
            case "GET", ["limits"]:
                return 200, api.limits(), {}
            case "GET", ["sobjects"]:
                return 200, api.list_objects(), {}
            case "GET", ["sobjects", name, "describe"]:
                return 200, api.describe(name), {}
            case "GET", [("query" | "queryAll"), locator]:
                query_id, _, offset = locator.rpartition("-")
                return 200, api.rest_page(query_id, int(offset) // api.rest_page_size, version), {}
            case "GET", [("query" | "queryAll")]:
                if "q" not in params:
                    raise ApiError(400, "MALFORMED_QUERY", "a query needs q=")
                return 200, api.rest_query(params["q"][0], version), {}
            case "POST", ["jobs", "query"]:
                return 200, api.create_query_job(json.loads(body or b"{}"), version), {}
            case "GET", ["jobs", "query", job_id]:
                return 200, api.query_job(job_id)[0], {}
            case "DELETE", ["jobs", "query", job_id]:
                api.delete_job(job_id)
                return 204, b"", {}
            case "GET", ["jobs", "query", job_id, "results"]:
                _, result = api.query_job(job_id)
                max_records = int(params.get("maxRecords", ["50000"])[0])
                page, records, locator = result.page(params.get("locator", [None])[0], max_records)
                return 200, page, {"Sforce-NumberOfRecords": str(records), "Sforce-Locator": locator}
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")


@dataclass(frozen=True)
class RunningServer:
    instance_url: str
    ca_file: Path
    api: SalesforceApiServer

    def environment(self) -> dict[str, str]:
        """The MOMENTUM_SALESFORCE_* settings that point Momentum (MOMENTUM_CRM=salesforce) at this server;
        DEMO_SERVER tells crm/connectors.py the org is the demo CRM behind this server (its grants)."""
        return {
            "MOMENTUM_SALESFORCE_INSTANCE_URL": self.instance_url,
            "MOMENTUM_SALESFORCE_ACCESS_TOKEN": self.api.access_token,
            "MOMENTUM_SALESFORCE_CA_BUNDLE": str(self.ca_file),
            "MOMENTUM_SALESFORCE_DEMO_SERVER": "1",
        }


@contextmanager
def serve_demo_crm(warehouse_url: str, *, port: int = 0, **options: object) -> Iterator[RunningServer]:
    """The demo CRM (schema crm of `warehouse_url`) served as a Salesforce org over HTTPS on 127.0.0.1, in a
    thread, until the block ends. The certificate is made here (trustme); its CA is written to `ca_file`
    for the client to trust."""
    import ssl

    import trustme

    api = SalesforceApiServer(warehouse_url, **options)
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    ca_file = api._folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    handler = type("Handler", (_Handler,), {"api": api})
    httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
    httpd.daemon_threads = True
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, name="salesforce-api", daemon=True)
    thread.start()
    try:
        yield RunningServer(f"https://127.0.0.1:{httpd.server_address[1]}", ca_file, api)
    finally:
        httpd.shutdown()
        httpd.server_close()
        api.close()
