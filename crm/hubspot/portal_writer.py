"""The HubSpot calls a write-back makes, through hubspot-api-client with the retrying urllib3 policy of the source
(api_client.py: 429, 5xx, timeouts and dropped connections retried with exponential backoff and jitter, honouring
Retry-After, POST included; the daily limit never retried).

Writes are batch updates by id and batch upserts on a unique property (docs/crm-api-contracts.md, section 2.4),
at most 100 inputs a call, so a retried call changes nothing twice; default associations are idempotent too. A
plain create is never sent: its retry could duplicate a record. A batch answers 200, or 207 with one error per
failed input (its `context.ids`): each input's result comes back as a RecordResult.

API calls are counted from the `X-HubSpot-RateLimit-Daily-Remaining` header (retries included, as HubSpot counts
them), against the sync's ceiling (MOMENTUM_HUBSPOT_SYNC_API_CALLS) and the portal's remaining daily budget.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from urllib3.exceptions import HTTPError

from crm.hubspot.api_client import DEFAULT_BASE_URL, HubSpotApis, call, retry_policy
from crm.hubspot.errors import HubSpotApiLimitReached, HubSpotSetupError, HubSpotSyncStopped
from crm.setting_values import whole_number

log = logging.getLogger(__name__)

BATCH_SIZE = 100
SEARCH_PAGE = 200
DEFAULT_SYNC_API_CALLS = 1000
REQUEST_TIMEOUT = (10, 120)  # connect, read (seconds): a hung answer is retried like a dropped connection
ON_LIMIT = "the sync stopped; what HubSpot confirmed is recorded and the next run sends the rest"
DAILY_SHARE = 0.9  # Momentum leaves a tenth of the portal's daily budget to its other integrations


@dataclass(frozen=True)
class RecordResult:
    success: bool
    hubspot_id: str | None = None
    created: bool = False
    error: str | None = None
    """HubSpot's own words: `CATEGORY: message`."""


class PortalWriter:
    def __init__(self, credentials: Mapping[str, str], *, retries: int = 6, backoff_factor: float = 0.5):
        token = credentials.get("access_token")
        if not token:
            raise HubSpotSetupError(
                "write-back to HubSpot needs MOMENTUM_HUBSPOT_ACCESS_TOKEN, a private app's access token"
            )
        self.base_url = credentials.get("base_url") or DEFAULT_BASE_URL
        self.call_ceiling = whole_number(
            credentials, "sync_api_calls", DEFAULT_SYNC_API_CALLS, crm="hubspot", error=HubSpotSetupError
        )
        self.apis = call(
            self.base_url,
            "the API",
            HubSpotApis.connect,
            token,
            self.base_url,
            retry_policy(retries, backoff_factor),
        )
        self._remaining_at_start: int | None = None
        self._remaining: int | None = None
        self._daily: int | None = None
        self._calls = 0
        self._properties: dict[str, set[str]] = {}

    # --- setup -------------------------------------------------------------------------------------------
    def property_names(self, object_type: str) -> set[str]:
        """The object's properties as the token sees them (ones never created, or out of its scopes, absent)."""
        if object_type not in self._properties:
            answer = self._call(
                f"{object_type} properties", self.apis.properties.get_all_with_http_info, object_type
            )
            self._properties[object_type] = {p.name for p in answer.results}
        return self._properties[object_type]

    def check_budget(self, sync_name: str, planned_calls: int) -> None:
        """Refuse before writing anything when the sync's calls exceed its ceiling or what the portal has left
        of its daily budget within Momentum's share."""
        self._remaining_at_start = self._remaining
        if planned_calls > self.call_ceiling:
            raise HubSpotSyncStopped(
                f"sync {sync_name} needs about {planned_calls} HubSpot API calls, over its ceiling of "
                f"{self.call_ceiling} (MOMENTUM_HUBSPOT_SYNC_API_CALLS): raise it, nothing was written"
            )
        if self._remaining is not None and self._daily is not None:
            spendable = self._remaining - round(self._daily * (1 - DAILY_SHARE))
            if planned_calls > spendable:
                raise HubSpotSyncStopped(
                    f"sync {sync_name} needs about {planned_calls} HubSpot API calls and the portal has "
                    f"{max(spendable, 0)} left of today's budget within Momentum's share: nothing was written; the "
                    "next run tries again"
                )
        log.info(
            "HubSpot API before sync %s: %s of %s daily requests left; about %s calls planned",
            sync_name,
            self._remaining,
            self._daily,
            planned_calls,
        )

    def daily_remaining(self) -> str:
        """As the last answer's headers said it, for `momentum crm setup`."""
        if self._remaining is None:
            return "unknown"
        return f"{self._remaining:,} of {self._daily:,}"

    def calls_used(self) -> int:
        """API calls since check_budget: HubSpot's own count (retries included) when its headers say it."""
        if self._remaining_at_start is not None and self._remaining is not None:
            return max(self._remaining_at_start - self._remaining, self._calls)
        return self._calls

    # --- reads -------------------------------------------------------------------------------------------
    def read(
        self, object_type: str, keys: list[str], properties: list[str], id_property: str | None = None
    ) -> dict[str, dict]:
        """Key (id, or the unique property's value) -> {"id", **properties} of the records found."""
        found: dict[str, dict] = {}
        for start in range(0, len(keys), BATCH_SIZE):
            body: dict[str, Any] = {"inputs": [{"id": k} for k in keys[start : start + BATCH_SIZE]]}
            body["properties"] = [*properties, id_property] if id_property else properties
            if id_property:
                body["idProperty"] = id_property
            answer = self._call(object_type, self.apis.batch.read_with_http_info, object_type, body)
            for record in answer.results:
                key = record.properties.get(id_property) if id_property else record.id
                found[key] = {"id": record.id, **record.properties}
        return found

    def search(self, object_type: str, filters: list[dict], properties: list[str]) -> list[dict]:
        """Every record matching all `filters`, {"id", **properties}."""
        records, after = [], None
        while True:
            body: dict[str, Any] = {"filterGroups": [{"filters": filters}], "properties": properties}
            body |= {"limit": SEARCH_PAGE, "after": after} if after else {"limit": SEARCH_PAGE}
            self._calls += 1
            page = self._checked(object_type, self.apis.search.do_search, object_type, body)
            records += [{"id": r.id, **r.properties} for r in page.results]
            after = page.paging.next.after if page.paging and page.paging.next else None
            if not after:
                return records

    # --- writes ------------------------------------------------------------------------------------------
    def update(self, object_type: str, inputs: list[dict]) -> dict[str, RecordResult]:
        """id -> result of each input (`{id, properties}`)."""
        answer = self._write(object_type, self.apis.batch.update_with_http_info, inputs)
        return _results(answer, lambda record: record.id, [i["id"] for i in inputs])

    def upsert(self, object_type: str, id_property: str, inputs: list[dict]) -> dict[str, RecordResult]:
        """Unique value -> result of each input (`{id: unique value, properties}`)."""
        body = [{"idProperty": id_property, **item} for item in inputs]
        answer = self._write(object_type, self.apis.batch.upsert_with_http_info, body)
        return _results(answer, lambda record: record.properties.get(id_property), [i["id"] for i in inputs])

    def associate(self, from_type: str, to_type: str, pairs: list[tuple[str, str]]) -> dict[str, str]:
        """Default associations from -> to; returns {from id: HubSpot's reason} of those it refused."""
        refused: dict[str, str] = {}
        for start in range(0, len(pairs), BATCH_SIZE):
            batch = pairs[start : start + BATCH_SIZE]
            inputs = [{"from": {"id": f}, "to": {"id": t}} for f, t in batch]
            answer = self._write_call(
                f"{from_type} to {to_type} associations",
                self.apis.associations.create_default_with_http_info,
                from_type,
                to_type,
                {"inputs": inputs},
            )
            # An answer the client could not read (a status it does not expect) confirms nothing.
            if answer is None:
                unread = f"associating with {to_type}: HubSpot's answer was unreadable"
                refused |= {from_id: unread for from_id, _ in batch}
                continue
            for error in answer.errors or []:
                for key in (error.context or {}).get("ids", []):
                    refused[key] = f"associating with {to_type}: {error.category}: {error.message}"
        return refused

    # --- plumbing ----------------------------------------------------------------------------------------
    def _write(self, object_type: str, function: Callable, inputs: list[dict]) -> Any:
        return self._write_call(object_type, function, object_type, {"inputs": inputs})

    def _write_call(self, what: str, function: Callable, *args: Any) -> Any:
        if self.calls_used() >= self.call_ceiling:
            raise HubSpotSyncStopped(
                f"this sync used its ceiling of {self.call_ceiling} HubSpot API calls "
                f"(MOMENTUM_HUBSPOT_SYNC_API_CALLS, retries included): {ON_LIMIT}"
            )
        return self._call(what, function, *args)

    def _call(self, what: str, function: Callable, *args: Any) -> Any:
        """A `*_with_http_info` call: its answer, the daily budget read from its headers."""
        self._calls += 1
        answer, _status, headers = self._checked(what, function, *args)
        if headers.get("X-HubSpot-RateLimit-Daily-Remaining"):
            self._remaining = int(headers["X-HubSpot-RateLimit-Daily-Remaining"])
            self._daily = int(headers["X-HubSpot-RateLimit-Daily"])
        return answer

    def _checked(self, what: str, function: Callable, *args: Any) -> Any:
        try:
            return call(self.base_url, what, function, *args, _request_timeout=REQUEST_TIMEOUT)
        except HubSpotApiLimitReached:
            raise HubSpotApiLimitReached(
                f"HubSpot refused writing {what}: the portal's daily API limit is reached; {ON_LIMIT}"
            ) from None
        except HubSpotSetupError as error:
            if "cannot reach" in str(error) or "403" in str(error):
                raise HubSpotSyncStopped(f"{str(error).replace('to read', 'to write')}; {ON_LIMIT}") from None
            raise
        except HTTPError as error:  # the retries ran out on timeouts or dropped connections
            raise HubSpotSyncStopped(
                f"HubSpot did not answer writing {what} ({type(error).__name__}): {ON_LIMIT}"
            ) from None
        except RuntimeError as error:  # 429/5xx after the retries, or a 400 refusing the whole batch
            if isinstance(error, HubSpotSyncStopped):
                raise
            raise HubSpotSyncStopped(f"{error}; {ON_LIMIT}") from None


def _results(answer: Any, key_of: Callable, keys: list[str]) -> dict[str, RecordResult]:
    results = {
        key_of(record): RecordResult(True, record.id, bool(getattr(record, "new", False)))
        for record in answer.results
    }
    for error in getattr(answer, "errors", None) or []:
        words = f"{error.category}: {error.message}"
        for key in (error.context or {}).get("ids", []):
            results[key] = RecordResult(False, error=words)
    # A key HubSpot neither confirmed nor refused is not known to be written: offered again next run.
    return {
        key: results.get(key, RecordResult(False, error="HubSpot gave no answer for this record"))
        for key in keys
    }
