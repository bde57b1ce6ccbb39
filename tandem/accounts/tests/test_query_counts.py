"""Pages and API lists make a constant number of queries, however many rows they show."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.accounts import services


def count_queries(client: Client, path: str, **headers: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **headers)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["/settings/tokens/", "/api/v1/tokens"])
def test_token_lists_do_not_grow_queries_with_tokens(bob, path):
    # given Bob with one token
    client = Client()
    client.force_login(bob)
    services.api_token_create(user=bob, name="first")
    with_one = count_queries(client, path)
    # when he has twenty
    for n in range(19):
        services.api_token_create(user=bob, name=f"token {n}")
    # then the page costs the same
    assert count_queries(client, path) == with_one


def test_dashboard_costs_the_same_for_every_role(alice, bob, staff_user):
    counts = {}
    for user in (alice, bob, staff_user):
        client = Client()
        client.force_login(user)
        counts[user.email] = count_queries(client, "/dashboard/")
    assert len(set(counts.values())) == 1, counts


def test_bearer_token_request_uses_few_queries(bob):
    _, raw = services.api_token_create(user=bob, name="cli")
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    count_queries(client, "/api/v1/me", **headers)  # first use writes last_used_at
    # token lookup (with the user joined) + the roles query
    assert count_queries(client, "/api/v1/me", **headers) == 2
