"""Gift card codes are not stored: a raw copy of the SQLite database holds no code (only a
keyed digest and the last four symbols), yet checking, claiming and redeeming by code still
work; the data migration converts rows that held clear codes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tandem.payments.checkout import services as checkout
from tandem.payments.giftcards import codes as gift_codes
from tandem.payments.giftcards import services as g
from tandem.payments.models import GiftCard


def raw_database_bytes() -> bytes:
    """The whole test database as the bytes of a SQLite file (what a copy of var/*.sqlite3
    would hold), as this connection sees it."""
    connection.ensure_connection()
    return connection.connection.serialize()


@pytest.mark.django_db
def test_a_raw_dump_holds_no_code_and_lookups_still_work(staff_user, bob, charlie):
    if connection.vendor != "sqlite":
        pytest.skip("reads the SQLite file")
    issued = g.giftcard_issue(
        staff=staff_user, amount=2500, currency="EUR", recipient_email="bob@example.com"
    )
    bought = g.giftcard_buy(
        client=bob,
        amount=3000,
        currency="EUR",
        recipient_email="charlie@example.com",
        pay_with=checkout.PayWith(provider="manual", use_credit=False),
    )
    codes = [issued.issued_code, bought.card.issued_code]
    dump = raw_database_bytes()
    for code in codes:
        assert code.encode() not in dump and gift_codes.format_code(code).encode() not in dump
        assert code[:12].encode() not in dump  # not even most of it
        assert gift_codes.code_digest(code).encode() in dump  # what is stored instead
    fresh = GiftCard.objects.get(pk=issued.pk)
    assert not fresh.issued_code and fresh.code_hint == issued.issued_code[-4:]
    assert issued.issued_code[-4:] in str(fresh) and issued.issued_code[:12] not in str(fresh)
    # Lookups go by digest: check, claim, pay.
    assert (
        g.giftcard_balance(gift_codes.format_code(codes[0]).lower(), user=charlie).balance == 2500
    )
    assert g.giftcard_claim(code=codes[0], user=bob).holder == bob
    assert gift_codes.find_card(codes[1]).pk == bought.card.pk


@pytest.mark.django_db
def test_codes_hashed_with_a_rotated_key_still_work(staff_user, settings):
    card = g.giftcard_issue(
        staff=staff_user, amount=2500, currency="EUR", recipient_email="bob@example.com"
    )
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert gift_codes.find_card(card.issued_code).pk == card.pk
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(Exception):  # noqa: B017 - NotFound: the digest no longer matches
        gift_codes.find_card(card.issued_code)


@pytest.fixture
def back_to_the_latest_schema():
    """This test moves the shared test database's schema back and forth: leave it at the
    latest migrations, whatever happens (a later migration's columns were missing for every
    test after it, e.g. the concurrency tests' file copy of this database)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_the_latest_schema")
def test_the_migration_replaces_clear_codes_with_digests():
    before = [("payments", "0003_payment_voids")]
    after = [("payments", "0004_giftcard_code_digest")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    OldCard = old_apps.get_model("payments", "GiftCard")
    code = gift_codes.generate_code()
    OldCard.objects.create(
        code=code,
        currency="EUR",
        initial_amount=1000,
        status="active",
        expires_at="2099-01-01T00:00:00Z",
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    card = GiftCard.objects.get()
    assert card.code_digest == gift_codes.code_digest(code) and card.code_hint == code[-4:]
    assert gift_codes.find_card(code).pk == card.pk
    with connection.cursor() as cursor:
        columns = [
            c.name
            for c in connection.introspection.get_table_description(cursor, "payments_giftcard")
        ]
    assert "code" not in columns
