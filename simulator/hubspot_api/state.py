"""The local HubSpot API's state: what it serves, its rate limits, injected faults and the requests it saw.

The server (http_server.py) serves the demo CRM over plain HTTP, close enough to the documented contract that
the real hubspot-api-client (`host=` pointed here) talks to it unchanged (docs/crm-api-contracts.md, section 2).
Read endpoints (reads.py): `GET /crm/v3/objects/{type}` (paging by `after`, `properties`,
`propertiesWithHistory`, `archived`), `POST /crm/v3/objects/{type}/search` and `/batch/read`,
`GET /crm/v3/properties/{type}`, `GET /crm/v3/owners/`, `GET /crm/v3/pipelines/deals` and
`POST /crm/v4/associations/{from}/{to}/batch/read`. Writes (writes.py): batch update of deals, batch upsert of
tasks on a unique property, default associations, 207 multi-status; the properties API creates properties and
groups (`momentum crm setup --create`): a hidden property is one never created, and creating it shows it.

Every response but a search's carries HubSpot's rate-limit headers; its `Date` is the demo CRM's clock. Past
`ten_second_limit` requests in ten seconds the server answers 429 TEN_SECONDLY_ROLLING with Retry-After,
as HubSpot does. For tests it injects faults (`fail_next`: the next N requests answered 429 or 5xx) and
hides properties (`hide_property`: gone from the properties API and from records, which is what HubSpot
does with a property the token may not read). `requests` records what the server saw.
"""

from __future__ import annotations

import email.utils
import math
import secrets
import threading
import time
from collections import deque
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import psycopg

from simulator.hubspot_api import reads
from simulator.hubspot_api.writes import UNIQUE_PROPERTIES, PortalWriter
from simulator.hubspot_portal import PORTAL_OBJECTS
from simulator.read_only_connections import ReadOnlyConnections
from simulator.write_faults import WriteFaults

PAGE_LIMIT = 100  # most records per list page; 50 with propertiesWithHistory
HISTORY_PAGE_LIMIT = 50
BATCH_LIMIT = 100
DEFAULT_DAILY_LIMIT = 500_000


class ApiError(Exception):
    def __init__(self, status: int, category: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.category, self.headers = status, category, headers or {}


@dataclass
class Fault:
    status: int
    remaining: int
    retry_after: int
    method: str | None = None


@dataclass
class SeenRequest:
    method: str
    path: str
    status: int


@dataclass
class HubSpotApiServer:
    """The server's state: what it serves, its rate limits, injected faults and the requests it saw."""

    warehouse_url: str
    access_token: str = field(default_factory=lambda: "pat-na1-" + secrets.token_hex(16))
    daily_limit: int = DEFAULT_DAILY_LIMIT
    ten_second_limit: int | None = None  # None: no rolling limit (the demo), an int: HubSpot's 429s
    daily_used: int = 0
    hidden_properties: set[tuple[str, str]] = field(default_factory=set)
    write_faults: WriteFaults = field(default_factory=WriteFaults)
    momentum_properties_created: bool = True
    """False: a portal where `momentum crm setup --create` has not run (Momentum's `ai_*` properties hidden)."""
    groups: dict[str, dict[str, str]] = field(
        default_factory=lambda: {
            "deals": {"dealinformation": "Deal information"},
            "tasks": {"taskinformation": "Task information"},
        }
    )
    requests: deque[SeenRequest] = field(default_factory=lambda: deque(maxlen=100_000))
    _faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._connections = ReadOnlyConnections(self.warehouse_url)
        self._recent: deque[float] = deque()
        with self.connection() as conn:
            self.properties = reads.read_properties(conn)
        if not self.momentum_properties_created:
            self.hidden_properties |= {
                (object_type, name)
                for object_type in UNIQUE_PROPERTIES.keys() | {"deals"}
                for name in self.properties[object_type]
                if name.startswith("ai_")
            }
        self.writer = PortalWriter(self.visible, self._write_connection, self.write_faults)

    def _write_connection(self) -> psycopg.Connection:
        return psycopg.connect(self.warehouse_url, options="-c timezone=UTC")

    # --- faults (tests) -------------------------------------------------------------------------------
    def fail_next(self, status: int, count: int = 1, retry_after: int = 1, method: str | None = None) -> None:
        """Answer the next `count` requests (with `method`, or any) with `status` and Retry-After."""
        with self._lock:
            self._faults.append(Fault(status, count, retry_after, method))

    def hide_property(self, object_type: str, name: str) -> None:
        self.hidden_properties.add((object_type, name))

    def create_property(self, object_type: str, body: dict) -> dict:
        """`POST /crm/v3/properties/{objectType}`: 409 when it exists; only the demo CRM's columns can be made."""
        name, group = body.get("name"), body.get("groupName")
        if not name or not body.get("type") or not body.get("fieldType") or not group:
            raise ApiError(
                400, "VALIDATION_ERROR", "a property needs name, label, type, fieldType and groupName"
            )
        if group not in self.groups.get(object_type, {}):
            raise ApiError(400, "VALIDATION_ERROR", f"Property group {group} does not exist")
        if name in self.visible(object_type):
            raise ApiError(409, "OBJECT_ALREADY_EXISTS", f"A property named '{name}' already exists.")
        if name not in self.properties[object_type]:
            raise ApiError(
                400, "VALIDATION_ERROR", f"this demo portal has no column to keep {object_type}.{name}"
            )
        self.hidden_properties.discard((object_type, name))
        return reads.property_definitions({name: self.properties[object_type][name]})["results"][0] | {
            "groupName": group,
            "hasUniqueValue": bool(body.get("hasUniqueValue")),
        }

    def create_group(self, object_type: str, body: dict) -> dict:
        name = body.get("name")
        if not name or not body.get("label"):
            raise ApiError(400, "VALIDATION_ERROR", "a property group needs name and label")
        if name in self.groups.setdefault(object_type, {}):
            raise ApiError(409, "OBJECT_ALREADY_EXISTS", f"A property group named '{name}' already exists.")
        self.groups[object_type][name] = body["label"]
        return _group_json(name, body["label"])

    def group_list(self, object_type: str) -> dict:
        return {
            "results": [_group_json(name, label) for name, label in self.groups.get(object_type, {}).items()]
        }

    def visible(self, object_type: str) -> dict[str, str]:
        return {
            name: kind
            for name, kind in self.properties[object_type].items()
            if (object_type, name) not in self.hidden_properties
        }

    # --- plumbing --------------------------------------------------------------------------------------
    def connection(self) -> AbstractContextManager[psycopg.Connection]:
        """A pooled read-only connection to the demo CRM."""
        return self._connections.connection()

    def close(self) -> None:
        self._connections.close()

    def clock(self) -> str:
        with self.connection() as conn:
            now = conn.execute(
                "select case when to_regprocedure('crm.system_now()') is not null then crm.system_now() else now() end"
            ).fetchone()[0]
        return email.utils.format_datetime(now, usegmt=True)

    def admit(self, method: str, token: str) -> None:
        """Faults, authentication and the rate limits, in HubSpot's order; counts the call."""
        with self._lock:
            fault = next((f for f in self._faults if f.method in (None, method)), None)
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                raise _limit_error(fault.status, "TEN_SECONDLY_ROLLING", fault.retry_after)
            if token != self.access_token:
                raise ApiError(401, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
            if self.daily_used >= self.daily_limit:
                raise _limit_error(429, "DAILY", 3600)
            now = time.monotonic()
            while self._recent and now - self._recent[0] > 10:
                self._recent.popleft()
            if self.ten_second_limit is not None and len(self._recent) >= self.ten_second_limit:
                # Retry-After: when the oldest request of the window leaves it.
                raise _limit_error(429, "TEN_SECONDLY_ROLLING", math.ceil(10 - (now - self._recent[0])))
            self._recent.append(now)
            self.daily_used += 1

    def rate_headers(self) -> dict[str, str]:
        headers = {
            "X-HubSpot-RateLimit-Daily": str(self.daily_limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, self.daily_limit - self.daily_used)),
        }
        if self.ten_second_limit is not None:
            headers["X-HubSpot-RateLimit-Max"] = str(self.ten_second_limit)
            headers["X-HubSpot-RateLimit-Remaining"] = str(max(0, self.ten_second_limit - len(self._recent)))
            headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = "10000"
        return headers

    # --- reads -----------------------------------------------------------------------------------------
    def object_type(self, name: str) -> str:
        if name not in PORTAL_OBJECTS:
            raise ApiError(400, "VALIDATION_ERROR", f"Unable to infer object type from: {name}")
        return name

    def id_property(self, object_type: str, name: str | None) -> str | None:
        if name in (None, "", "hs_object_id"):
            return None
        if name not in UNIQUE_PROPERTIES.get(object_type, {}) or name not in self.visible(object_type):
            raise ApiError(400, "VALIDATION_ERROR", f"{name} is not a unique-value property of {object_type}")
        return name

    def wanted(self, object_type: str, names: list[str]) -> list[str]:
        """Requested properties the token may read; HubSpot leaves out the others without an error."""
        visible = self.visible(object_type)
        return [name for part in names for name in part.split(",") if name in visible]


def _limit_error(status: int, policy: str, retry_after: int) -> ApiError:
    message = "You have reached your secondly limit." if status == 429 else "Service unavailable"
    error = ApiError(status, "RATE_LIMIT" if status == 429 else "SERVICE_UNAVAILABLE", message)
    error.headers = {"Retry-After": str(retry_after)}
    error.policy = policy  # type: ignore[attr-defined]
    return error


def _group_json(name: str, label: str) -> dict:
    return {"name": name, "label": label, "displayOrder": -1, "archived": False}
