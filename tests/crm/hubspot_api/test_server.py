"""The local HubSpot API server (simulator/hubspot_api/) against the documented contract, through the real
hubspot-api-client (docs/crm-api-contracts.md, section 2)."""

from __future__ import annotations

import hubspot as hubspot_client
import psycopg
import pytest
from hubspot.crm.objects import BatchReadInputSimplePublicObjectId, PublicObjectSearchRequest

from simulator.hubspot_api import RunningServer


@pytest.fixture
def client(hubspot: RunningServer):
    return hubspot_client.Client.create(access_token=hubspot.api.access_token, host=hubspot.base_url)


def _all(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def test_list_pages_by_after_give_every_deal_once_with_the_properties_asked_for(client, demo_crm):
    basic = client.crm.deals.basic_api
    ids, after = [], None
    while True:
        page = basic.get_page(limit=30, after=after, properties=["dealname", "amount"])
        ids += [deal.id for deal in page.results]
        assert set(page.results[0].properties) == {
            "hs_object_id",
            "createdate",
            "hs_lastmodifieddate",
            "dealname",
            "amount",
        }
        if page.paging is None:
            break
        after = page.paging.next.after

    assert sorted(ids) == [
        row[0] for row in _all(demo_crm, "select opportunity_id from crm.opportunity order by 1")
    ]
    # The demo CRM deletes rows outright: nothing is archived.
    assert basic.get_page(archived=True).results == []


def test_property_history_has_a_version_per_change_newest_first(client, demo_crm):
    deal_id, changes = _all(demo_crm, """
        select opportunity_id, count(distinct stage_name) from crm.opportunity_history
        group by 1 order by 2 desc, 1 limit 1
    """)[0]  # fmt: skip
    request = BatchReadInputSimplePublicObjectId(
        inputs=[{"id": deal_id}], properties=[], properties_with_history=["dealstage"]
    )

    (deal,) = client.crm.deals.batch_api.read(request).results

    versions = deal.properties_with_history["dealstage"]
    assert len(versions) == changes  # stages never revisited in the demo: one version per stage
    assert [v.timestamp for v in versions] == sorted((v.timestamp for v in versions), reverse=True)


def test_search_filters_and_sorts_on_the_modified_date_and_gives_the_total(client, demo_crm):
    since = _all(
        demo_crm, "select percentile_disc(0.5) within group (order by system_modstamp) from crm.opportunity"
    )[0][0]
    request = PublicObjectSearchRequest(
        filter_groups=[
            {
                "filters": [
                    {
                        "propertyName": "hs_lastmodifieddate",
                        "operator": "GTE",
                        "value": str(int(since.timestamp() * 1000)),
                    }
                ]
            }
        ],
        sorts=[{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
        properties=["amount"],
        limit=100,
    )

    page = client.crm.deals.search_api.do_search(public_object_search_request=request)

    expected = _all(
        demo_crm, f"select count(*) from crm.opportunity where system_modstamp >= '{since.isoformat()}'"
    )[0][0]
    assert page.total == len(page.results) == expected
    stamps = [deal.properties["hs_lastmodifieddate"] for deal in page.results]
    assert stamps == sorted(stamps)


def test_stages_carry_probability_and_is_closed_as_strings_and_associations_carry_role_labels(
    client, demo_crm
):
    (pipeline,) = client.crm.pipelines.pipelines_api.get_all("deals").results
    metadata = {stage.label: stage.metadata for stage in pipeline.stages}
    assert metadata["Closed Won"] == {"probability": "1", "isClosed": "true"}
    assert metadata["Prospecting"]["isClosed"] == "false"

    from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest

    deal_id, contact_id, role = _all(demo_crm, "select opportunity_id, contact_id, role from crm.opportunity_contact_role where role is not null order by 1 limit 1")[0]  # fmt: skip
    request = BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": deal_id}])
    (result,) = client.crm.associations.v4.batch_api.get_page("deals", "contacts", request).results
    labels = {t.label for to in result.to if to.to_object_id == contact_id for t in to.association_types}
    assert role in labels


def test_a_wrong_token_is_401_and_responses_carry_the_rate_limit_headers(hubspot, client):
    wrong = hubspot_client.Client.create(access_token="pat-na1-wrong", host=hubspot.base_url)
    with pytest.raises(Exception) as refused:
        wrong.crm.owners.owners_api.get_page()
    assert refused.value.status == 401

    _, status, headers = client.crm.owners.owners_api.get_page_with_http_info()
    assert status == 200
    assert int(headers["X-HubSpot-RateLimit-Daily-Remaining"]) < int(headers["X-HubSpot-RateLimit-Daily"])
