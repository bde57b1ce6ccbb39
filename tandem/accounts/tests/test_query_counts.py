"""Pages and API lists make a constant number of queries, however many rows they show."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.accounts import services


def count_queries(client: Client, path: str, headers: dict[str, str] | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, headers=headers)
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


def test_dashboard_costs_the_same_however_much_each_role_has(alice, bob, charlie, staff_user):
    """Each role's cards (messages; a coach's clients and set-up; an org admin's usage) cost
    a fixed number of queries: one client, conversation and member as many as twenty."""
    from datetime import timedelta

    from django.utils import timezone

    from conftest import make_user
    from tandem.availability.tests.conftest import book
    from tandem.coaches.tests.conftest import make_coach
    from tandem.messaging.services.conversations import conversation_start
    from tandem.messaging.services.messages import message_send
    from tandem.orgs.models import Membership, Organisation

    coach = make_coach(alice, prices=("80",))
    session_type = coach.session_types.get()
    org = Organisation.objects.create(name="Acme", slug="acme")
    Membership.objects.create(organisation=org, user=charlie, role=Membership.Role.ADMIN)
    start = timezone.now() + timedelta(days=2)

    def add_client(n: int) -> None:
        client = make_user(f"client{n}@example.com", name=f"Client {n}")
        Membership.objects.create(organisation=org, user=client)
        book(session_type, client, start + timedelta(hours=n))
        conversation, _ = conversation_start(user=client, other_id=alice.public_id)
        message_send(user=client, conversation_id=conversation.public_id, body="Hello")

    book(session_type, bob, start - timedelta(hours=3))
    for n in range(5):  # five members: the usage figures are shown
        add_client(n)
    users = (alice, bob, charlie, staff_user)

    def counts() -> list[int]:
        found = []
        for user in users:
            client = Client()
            client.force_login(user)
            found.append(count_queries(client, "/dashboard/"))
        return found

    before = counts()
    for n in range(5, 20):
        add_client(n)
    assert counts() == before


def test_bearer_token_request_uses_few_queries(bob):
    _, raw = services.api_token_create(user=bob, name="cli")
    client = Client()
    headers = {"Authorization": f"Bearer {raw}"}
    count_queries(client, "/api/v1/me", headers)  # first use writes last_used_at
    # token lookup (with the user joined) + the roles query
    assert count_queries(client, "/api/v1/me", headers) == 2
