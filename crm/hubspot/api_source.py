"""A HubSpot portal as an extract source (extract/source.py), through hubspot-api-client 12.

    MOMENTUM_CRM=hubspot
    MOMENTUM_HUBSPOT_ACCESS_TOKEN      a private app's token (scopes: crm.objects.{deals,companies,contacts,
                                       owners}.read, crm.schemas.*.read, and read access to calls, emails,
                                       meetings and tasks)
    optional: MOMENTUM_HUBSPOT_BASE_URL (https://api.hubapi.com)

- columns(): the properties API says which properties the token can read; Momentum's (properties.py) land
  with the types listed there. A required property missing stops the object's copy_rows with one error
  naming object.property; an optional one is left out with a warning. Only the listed properties are read
  (a portal has hundreds).
- copy_rows(): every record on the first run (list pages of 100, `after` paging); later runs search
  `hs_lastmodifieddate >= watermark` sorted ascending, in pages of 100. Search stops at 10,000 results, so
  a window holding more is read as a full list instead (records older than the watermark skipped).
  Associations (a deal's company, an activity's deal, contact and company) come from the v4 batch read, a
  call per page. The deal's history is its property history (`propertiesWithHistory`, batch reads of 50
  deals changed since the watermark); its contact roles the deal-to-contact associations and their labels.
- copy_ids(): every live record's id (list pages of ids), so the extract marks records HubSpot archived as
  deleted; owners list the archived (deactivated) ones too, since a deactivated owner still owns deals.
- today(): the date of HubSpot's server (the `Date` header of the owners call made on opening).
Retries and errors: crm/hubspot/api_client.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self

from crm.hubspot import records
from crm.hubspot.api_client import DEFAULT_BASE_URL, HubSpotApis, call, retry_policy
from crm.hubspot.errors import HubSpotPropertyMissing, HubSpotSetupError
from crm.hubspot.layout import HUBSPOT_LAYOUT
from crm.hubspot.properties import HISTORY_PROPERTIES, OBJECTS_BY_RAW_NAME, HubSpotObject

log = logging.getLogger(__name__)

PAGE_LIMIT = 100
HISTORY_BATCH = 50  # HubSpot returns property history for at most 50 records per request
SEARCH_RESULT_CAP = 10_000
# HubSpot property type -> PostgreSQL type, for the columns an object lists.
_PG_TYPES = {"number": "numeric", "datetime": "timestamptz", "date": "date", "bool": "boolean"}


class HubSpotApiSource:
    layout = HUBSPOT_LAYOUT

    def __init__(
        self,
        access_token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        retries: int = 5,
        backoff_factor: float = 0.5,
        page_limit: int = PAGE_LIMIT,
    ):
        self.page_limit = page_limit  # records per list or search page (tests make it small, to page)
        self._token = access_token
        self.base_url = base_url
        self._retry = retry_policy(retries, backoff_factor)
        self.name = f"HubSpot ({base_url})"
        self._apis: HubSpotApis | None = None
        self._today: date | None = None
        self._budget = "unknown (no X-HubSpot-RateLimit-Daily header seen)"
        self._missing_required: dict[str, list[str]] = {}

    @classmethod
    def from_settings(cls, credentials: Mapping[str, str]) -> HubSpotApiSource:
        """From the MOMENTUM_HUBSPOT_* variables (Settings.crm_credentials["hubspot"])."""
        token = credentials.get("access_token")
        if not token:
            raise HubSpotSetupError(
                "MOMENTUM_CRM=hubspot needs MOMENTUM_HUBSPOT_ACCESS_TOKEN, a private app's access token"
            )
        return cls(token, base_url=credentials.get("base_url") or DEFAULT_BASE_URL)

    # --- connection ---------------------------------------------------------------------------------
    def __enter__(self) -> Self:
        self._apis = call(
            self.base_url, "the API", HubSpotApis.connect, self._token, self.base_url, self._retry
        )
        _, _, headers = self._call("owners", self.apis.owners.get_page_with_http_info, limit=1)
        server_date = headers.get("Date")
        self._today = parsedate_to_datetime(server_date).astimezone(UTC).date() if server_date else None
        if headers.get("X-HubSpot-RateLimit-Daily"):
            self._budget = (
                f"{headers.get('X-HubSpot-RateLimit-Daily-Remaining')} of {headers['X-HubSpot-RateLimit-Daily']} "
                "daily requests left"
            )
        log.info("HubSpot API budget before this extract: %s", self._budget)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._apis = None

    @property
    def apis(self) -> HubSpotApis:
        if self._apis is None:
            raise RuntimeError("HubSpotApiSource is used outside its `with` block")
        return self._apis

    def _call(self, what: str, function, *args: Any, **kwargs: Any):
        return call(self.base_url, what, function, *args, **kwargs)

    def today(self) -> date:
        return self._today or datetime.now(UTC).date()

    def api_budget(self) -> str:
        return self._budget

    # --- objects --------------------------------------------------------------------------------------
    def columns(self, object_name: str) -> list[tuple[str, str]]:
        hubspot_object = OBJECTS_BY_RAW_NAME[object_name]
        listed = [(p.name, p.pg_type) for p in hubspot_object.properties]
        if not hubspot_object.is_property_object:
            return [("id", "text"), *listed]
        found = self._call(
            f"{hubspot_object.object_type} properties",
            self.apis.properties.get_all,
            hubspot_object.object_type,
        )
        readable = {prop.name for prop in found.results}
        self._missing_required[object_name] = [
            p.name for p in hubspot_object.properties if p.required and p.name not in readable
        ]
        for prop in hubspot_object.properties:
            if prop.name not in readable and not prop.required:
                log.warning(
                    "HubSpot %s.%s is not readable with this token: extracted without it",
                    hubspot_object.object_type,
                    prop.name,
                )
        columns = [(name, pg_type) for name, pg_type in listed if name in readable]
        associated = [(hubspot_object.association_column(t), "text") for t in hubspot_object.associations]
        return [("id", "text"), *columns, *associated]

    def copy_rows(self, object_name: str, fields: Sequence[str], since: datetime | None) -> Iterator[bytes]:
        hubspot_object = OBJECTS_BY_RAW_NAME[object_name]
        if self._missing_required.get(object_name):
            raise _missing_error(hubspot_object, self._missing_required[object_name])
        if object_name == "owner":
            rows = records.owner_rows(self._owners(), fields, since)
        elif object_name == "deal_stage":
            pipelines = self._call("deal pipelines", self.apis.pipelines.get_all, "deals")
            rows = records.stage_rows(pipelines.results, fields, since)
        elif object_name == "deal_contact":
            rows = self._deal_contact_rows(fields, since)
        elif object_name == "deal_property_history":
            rows = self._history_rows(fields, since)
        else:
            rows = self._object_rows(hubspot_object, fields, since)
        return records.copy_blocks(rows)

    def copy_ids(self, object_name: str, primary_key: str) -> Iterator[bytes] | None:
        hubspot_object = OBJECTS_BY_RAW_NAME[object_name]
        if object_name == "owner":
            return records.copy_blocks([owner.id] for owner in self._owners())
        if not hubspot_object.is_property_object:
            return None
        pages = self._pages(hubspot_object, [hubspot_object.modstamp], None)
        return records.copy_blocks([record.id] for page in pages for record in page)

    # --- reading ----------------------------------------------------------------------------------------
    def _owners(self) -> Iterator[Any]:
        for archived in (False, True):
            after = None
            while True:
                page = self._call(
                    "owners", self.apis.owners.get_page, limit=self.page_limit, after=after, archived=archived
                )
                yield from page.results
                after = page.paging.next.after if page.paging and page.paging.next else None
                if after is None:
                    break

    def _pages(
        self, hubspot_object: HubSpotObject, properties: list[str], since: datetime | None
    ) -> Iterator[list]:
        """Pages of records changed at or after `since` (all when None)."""
        object_type = hubspot_object.object_type
        if since is not None:
            first = self._search(hubspot_object, properties, since, None)
            if first.total <= SEARCH_RESULT_CAP:
                yield from self._search_pages(hubspot_object, properties, since, first)
                return
            log.info(
                "HubSpot %s: %s changed since %s, past search's cap: reading the full list",
                object_type,
                first.total,
                since,
            )
        after = None
        while True:
            page = self._call(
                object_type,
                self.apis.objects.get_page,
                object_type,
                limit=self.page_limit,
                after=after,
                properties=properties,
                archived=False,
            )
            yield [r for r in page.results if since is None or records.modstamp(r, hubspot_object) >= since]
            after = page.paging.next.after if page.paging and page.paging.next else None
            if after is None:
                return

    def _search(
        self, hubspot_object: HubSpotObject, properties: list[str], since: datetime, after: str | None
    ):
        from hubspot.crm.objects import PublicObjectSearchRequest

        request = PublicObjectSearchRequest(
            filter_groups=[
                {
                    "filters": [
                        {
                            "propertyName": hubspot_object.modstamp,
                            "operator": "GTE",
                            "value": str(int(since.timestamp() * 1000)),
                        }
                    ]
                }
            ],
            sorts=[{"propertyName": hubspot_object.modstamp, "direction": "ASCENDING"}],
            properties=properties,
            limit=self.page_limit,
            after=after,
        )
        return self._call(
            hubspot_object.object_type,
            self.apis.search.do_search,
            hubspot_object.object_type,
            public_object_search_request=request,
        )

    def _search_pages(
        self, hubspot_object: HubSpotObject, properties: list[str], since: datetime, page
    ) -> Iterator[list]:
        while True:
            yield page.results
            if not (page.paging and page.paging.next):
                return
            page = self._search(hubspot_object, properties, since, page.paging.next.after)

    def _associations(self, from_type: str, to_type: str, ids: Sequence[str]) -> dict[str, list[Any]]:
        """id -> its associated records (toObjectId and associationTypes), one v4 batch read."""
        if not ids:
            return {}
        from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest

        request = BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": i} for i in ids])
        response = self._call(
            f"{from_type} to {to_type} associations",
            self.apis.associations.get_page,
            from_type,
            to_type,
            batch_input_public_fetch_associations_batch_request=request,
        )
        return {result._from.id: result.to for result in response.results}

    def _object_rows(
        self, hubspot_object: HubSpotObject, fields: Sequence[str], since: datetime | None
    ) -> Iterable[list]:
        associated = {hubspot_object.association_column(t): t for t in hubspot_object.associations}
        properties = [f for f in fields if f != "id" and f not in associated]
        for page in self._pages(hubspot_object, properties, since):
            ids = [record.id for record in page]
            links = {
                column: self._associations(hubspot_object.object_type, t, ids)
                for column, t in associated.items()
            }
            for record in page:
                yield records.object_row(record, fields, links)

    def _deal_contact_rows(self, fields: Sequence[str], since: datetime | None) -> Iterable[list]:
        deals = OBJECTS_BY_RAW_NAME["deal"]
        for page in self._pages(deals, [deals.modstamp], since):
            contacts = self._associations("deals", "contacts", [record.id for record in page])
            for record in page:
                yield from records.deal_contact_rows(record, contacts.get(record.id, []), fields)

    def _history_rows(self, fields: Sequence[str], since: datetime | None) -> Iterable[list]:
        from hubspot.crm.objects import BatchReadInputSimplePublicObjectId

        deals = OBJECTS_BY_RAW_NAME["deal"]
        for page in self._pages(deals, [deals.modstamp], since):
            for start in range(0, len(page), HISTORY_BATCH):
                request = BatchReadInputSimplePublicObjectId(
                    inputs=[{"id": record.id} for record in page[start : start + HISTORY_BATCH]],
                    properties=[],
                    properties_with_history=list(HISTORY_PROPERTIES),
                )
                read = self._call("deal property history", self.apis.batch.read, "deals", request)
                for deal in read.results:
                    yield from records.history_rows(deal, fields, since)


def _missing_error(hubspot_object: HubSpotObject, missing: list[str]) -> HubSpotPropertyMissing:
    names = ", ".join(f"{hubspot_object.object_type}.{name}" for name in missing)
    return HubSpotPropertyMissing(
        f"HubSpot {names} not readable with MOMENTUM_HUBSPOT_ACCESS_TOKEN: Momentum needs "
        f"{'it' if len(missing) == 1 else 'them'}; create the property or give the private app its read scope"
    )
