"""The hubspot-api-client Momentum reads with: pointed at MOMENTUM_HUBSPOT_BASE_URL, retrying as HubSpot's rate
limits need, and its errors turned into one line the user can act on (docs/crm-api-contracts.md, section 2).

- The client retries nothing unless given a urllib3 `Retry`, and urllib3 does not retry POST by default:
  every search and batch read is a POST, so `allowed_methods` includes it (a read is safe to repeat).
  429 and 5xx are retried with exponential backoff and jitter, honouring `Retry-After`.
- The daily limit (a 429 once `X-HubSpot-RateLimit-Daily-Remaining` is 0) is never retried: it resets at
  midnight, and retrying only spends calls other integrations need. The extract stops with
  `HubSpotApiLimitReached`; objects already extracted are kept.
- Each `client.crm.<x>.<y>_api` access builds a new API client and connection pool, so the APIs are taken
  once and kept (`HubSpotApis`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from crm.hubspot.errors import HubSpotApiLimitReached, HubSpotSetupError

DEFAULT_BASE_URL = "https://api.hubapi.com"
RETRIED_STATUSES = (429, 500, 502, 503, 504)
T = TypeVar("T")


class DailyLimitAwareRetry(Retry):
    """urllib3's Retry, except that a 429 saying the daily limit is spent stops at once."""

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        daily_spent = (
            response is not None and response.headers.get("X-HubSpot-RateLimit-Daily-Remaining") == "0"
        )
        if daily_spent and response.status == 429:
            raise HubSpotApiLimitReached(
                "HubSpot refused the request: the portal's daily API limit is reached; the extract stopped, "
                "objects already extracted are kept and the next run resumes from there"
            )
        return super().increment(method, url, response, error, _pool, _stacktrace)


def retry_policy(retries: int, backoff_factor: float) -> Retry:
    return DailyLimitAwareRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff_factor,
        backoff_jitter=backoff_factor,  # spread the retries of clients that failed together
        backoff_max=60,
        status_forcelist=RETRIED_STATUSES,
        allowed_methods=frozenset({"GET", "POST"}),
        respect_retry_after_header=True,
        # The last 429/5xx reaches the client as its ApiException, which `call` turns into one line.
        raise_on_status=False,
    )


@dataclass
class HubSpotApis:
    """The client's APIs Momentum calls, each built once."""

    objects: Any
    search: Any
    batch: Any
    owners: Any
    pipelines: Any
    properties: Any
    associations: Any
    property_groups: Any

    @classmethod
    def connect(cls, access_token: str, base_url: str, retry: Retry) -> HubSpotApis:
        import hubspot

        client = hubspot.Client.create(access_token=access_token, host=base_url.rstrip("/"), retry=retry)
        return cls(
            objects=client.crm.objects.basic_api,
            search=client.crm.objects.search_api,
            batch=client.crm.objects.batch_api,
            owners=client.crm.owners.owners_api,
            pipelines=client.crm.pipelines.pipelines_api,
            properties=client.crm.properties.core_api,
            associations=client.crm.associations.v4.batch_api,
            property_groups=client.crm.properties.groups_api,
        )


def call(base_url: str, what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`function(*args, **kwargs)`, its failure said in one line naming the setting or the object (`what`)."""
    try:
        return function(*args, **kwargs)
    except MaxRetryError as error:
        raise HubSpotSetupError(
            f"cannot reach HubSpot at MOMENTUM_HUBSPOT_BASE_URL={base_url} ({type(error.reason).__name__}): "
            "check the address, or leave it unset for api.hubapi.com"
        ) from None
    except HubSpotApiLimitReached:
        raise
    except Exception as error:
        status = getattr(error, "status", None)
        if status is None:
            raise
        message = _message(getattr(error, "body", None)) or getattr(error, "reason", "")
        if status == 401:
            raise HubSpotSetupError(
                "HubSpot refused MOMENTUM_HUBSPOT_ACCESS_TOKEN (401): the private app's token is wrong or was "
                "rotated; copy the current one from the app's Auth tab"
            ) from None
        if status == 403:
            raise HubSpotSetupError(
                f"HubSpot refused to read {what} (403: {message}): give the private app the read scope for it "
                "(crm.objects.<object>.read, crm.objects.owners.read, crm.schemas.<object>.read)"
            ) from None
        raise RuntimeError(f"HubSpot answered {status} reading {what}: {message}") from None


def _message(body: object) -> str:
    if not body:
        return ""
    try:
        return str(json.loads(body).get("message", ""))
    except (ValueError, AttributeError):
        return str(body)[:200]
