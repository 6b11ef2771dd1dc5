"""The Salesforce calls a write-back makes, through simple-salesforce over Momentum's retrying session
(api_session.py: 429/503, timeouts and resets retried with exponential backoff and jitter, honouring
Retry-After; the daily-limit refusal never retried).

Writes are sObject Collections (docs/crm-api-contracts.md, section 1.6): updates by id and upserts by
external id, at most 200 records a call, allOrNone false, so each record succeeds or fails alone and a
retried call changes nothing twice. A plain create is never sent: its retry could duplicate a record.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceResourceNotFound

from crm.salesforce.api_session import ApiUsage, retrying_session
from crm.salesforce.credentials import login_arguments, whole_number
from crm.salesforce.errors import SalesforceApiLimitReached, SalesforceBusy

log = logging.getLogger(__name__)

COLLECTION_SIZE = 200
DEFAULT_API_VERSION = "59.0"
DEFAULT_SYNC_API_CALLS = 1000
BUSY_RETRIES = 5  # REQUEST_LIMIT_EXCEEDED under the daily budget: the org's concurrent-request limit
REQUEST_TIMEOUT = (10, 120)  # connect, read (seconds): a hung answer is retried like a reset
ON_LIMIT = "the sync stopped; what Salesforce confirmed is recorded and the next run sends the rest"


class SalesforceSyncBudget(SalesforceApiLimitReached):
    """A sync would need more API calls than its ceiling or the org's remaining daily budget allow."""


@dataclass(frozen=True)
class RecordResult:
    success: bool
    created: bool = False
    error: str | None = None
    """The CRM's own words: `STATUS_CODE: message`."""


class OrgWriter:
    def __init__(
        self,
        credentials: Mapping[str, str],
        *,
        retries: int = 6,
        backoff_factor: float = 0.5,
    ):
        login = login_arguments(credentials, "write-back to Salesforce")
        self.backoff_factor = backoff_factor
        self.call_ceiling = whole_number(credentials, "sync_api_calls", DEFAULT_SYNC_API_CALLS)
        self.usage = ApiUsage(ceiling=whole_number(credentials, "daily_api_ceiling", None))
        session = retrying_session(
            retries=retries,
            backoff_factor=backoff_factor,
            backoff_jitter=backoff_factor,
            verify=credentials.get("ca_bundle") or True,
            usage=self.usage,
            session_login="session_id" in login,
            on_limit=ON_LIMIT,
        )
        self.sf = Salesforce(
            **login, version=credentials.get("api_version") or DEFAULT_API_VERSION, session=session
        )
        self._used_at_start: int | None = None
        self._described: dict[str, set[str]] = {}

    def close(self) -> None:
        self.sf.session.close()

    # --- setup -------------------------------------------------------------------------------------------
    def field_names(self, object_name: str) -> set[str]:
        """The object's fields as describe shows them to this user (hidden and undeployed ones absent)."""
        if object_name not in self._described:
            try:
                described = self.sf.restful(f"sobjects/{object_name}/describe", timeout=REQUEST_TIMEOUT)
            except (
                SalesforceResourceNotFound
            ):  # a custom object not deployed (Momentum_Forecast__c): no fields
                described = {"fields": []}
            self._described[object_name] = {f["name"] for f in described["fields"]}
        return self._described[object_name]

    def check_budget(self, sync_name: str, planned_calls: int) -> None:
        """Refuse before writing anything when the sync's calls exceed its ceiling or what the org has left
        of its daily budget (less the 10% Momentum leaves to the org's other integrations)."""
        limits = self.sf.restful("limits/", timeout=REQUEST_TIMEOUT)["DailyApiRequests"]
        self._used_at_start = limits["Max"] - limits["Remaining"]
        spendable = min(
            limits["Remaining"], (self.usage.limit() or limits["Max"] * 9 // 10) - self._used_at_start
        )
        if planned_calls > self.call_ceiling:
            raise SalesforceSyncBudget(
                f"sync {sync_name} needs about {planned_calls} Salesforce API calls, over its ceiling of "
                f"{self.call_ceiling} (MOMENTUM_SALESFORCE_SYNC_API_CALLS): raise it, nothing was written"
            )
        if planned_calls > spendable:
            raise SalesforceSyncBudget(
                f"sync {sync_name} needs about {planned_calls} Salesforce API calls and the org has {spendable} "
                "left of today's budget within Momentum's share (MOMENTUM_SALESFORCE_DAILY_API_CEILING): "
                "nothing was written; the next run tries again"
            )
        log.info(
            "Salesforce API before sync %s: %s; about %s calls planned", sync_name, self.usage, planned_calls
        )

    def calls_used(self) -> int:
        """API calls counted by the org since check_budget (retries included, as the org counts them)."""
        if self._used_at_start is None or self.usage.used is None:
            return 0
        return self.usage.used - self._used_at_start

    # --- reads -------------------------------------------------------------------------------------------
    def query(self, soql: str) -> list[dict]:
        return list(self.sf.query_all_iter(soql, timeout=REQUEST_TIMEOUT))

    # --- writes ------------------------------------------------------------------------------------------
    def update(self, object_name: str, records: list[dict]) -> list[RecordResult]:
        body = [{"attributes": {"type": object_name}, **record} for record in records]
        return self._send("composite/sobjects", body)

    def upsert(self, object_name: str, external_field: str, records: list[dict]) -> list[RecordResult]:
        body = [{"attributes": {"type": object_name}, **record} for record in records]
        return self._send(f"composite/sobjects/{object_name}/{external_field}", body)

    def _send(self, path: str, body: list[dict]) -> list[RecordResult]:
        if self.calls_used() >= self.call_ceiling:
            raise SalesforceSyncBudget(
                f"this sync used its ceiling of {self.call_ceiling} Salesforce API calls "
                f"(MOMENTUM_SALESFORCE_SYNC_API_CALLS, retries included): {ON_LIMIT}"
            )
        for attempt in range(BUSY_RETRIES + 1):
            try:
                answer = self.sf.restful(
                    path, method="PATCH", json={"allOrNone": False, "records": body}, timeout=REQUEST_TIMEOUT
                )
                return [_result(item) for item in answer]
            except SalesforceBusy:
                if attempt == BUSY_RETRIES:
                    raise
                # Exponential backoff with full jitter; the write is idempotent, so sending it again is safe.
                time.sleep(random.uniform(0, self.backoff_factor * 2**attempt))
        raise AssertionError("unreachable")


def _result(item: dict) -> RecordResult:
    if item.get("success"):
        return RecordResult(True, created=bool(item.get("created")))
    errors = item.get("errors") or [{}]
    words = "; ".join(f"{e.get('statusCode', 'UNKNOWN')}: {e.get('message', '')}" for e in errors)
    return RecordResult(False, error=words)
