"""Coach profile and session type services: rules, denormalised columns, refusals change nothing."""

import dataclasses
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conftest import make_user
from tandem.coaches import availability_hook, search, services
from tandem.coaches.models import CoachProfile, SessionType
from tandem.coaches.tests.conftest import image_bytes, make_coach
from tandem.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied

BIG = "x" * 100_000


def profile_state(coach: CoachProfile) -> dict:
    fresh = CoachProfile.objects.get(pk=coach.pk)
    return {
        "fields": {
            f.name: getattr(fresh, f.attname)
            for f in CoachProfile._meta.concrete_fields
            if f.name not in ("updated_at", "search_vector")
        },
        "specialties": sorted(fresh.specialties.values_list("slug", flat=True)),
        "languages": sorted(fresh.languages.values_list("code", flat=True)),
        "session_types": sorted(
            SessionType.objects.filter(coach=coach).values_list(
                "name", "price", "duration_minutes", "is_active", "daily_cap", "currency"
            )
        ),
    }


# --- Verification creates the profile ---------------------------------------------------------


def test_a_verified_profile_gets_a_slug_from_the_name(alice, lists):
    coach = services.coach_profile_verify(user=alice, headline="Leadership coach")
    assert coach.slug == "alice-adler"
    assert coach.is_verified and coach.is_active and coach.listed
    assert coach.timezone == "Europe/Berlin"
    assert coach.headline == "Leadership coach"
    assert coach.min_price is None


def test_slugs_get_a_suffix_on_a_clash(db, lists):
    first = make_user("a1@example.com", name="Sam Lee")
    second = make_user("a2@example.com", name="Sam Lee")
    third = make_user("a3@example.com", name="Sam  LEE!")
    slugs = [
        services.coach_profile_verify(user=u, headline="Coach").slug for u in (first, second, third)
    ]
    assert slugs == ["sam-lee", "sam-lee-2", "sam-lee-3"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("", "coach-bo"),  # no name: the address's local part, too short, so prefixed
        ("李小龙", "coach-{id}"),  # nothing ASCII: the user's public id
        ("Admin", "coach-admin"),  # reserved
        ("Zoë Ångström", "zoe-angstrom"),
    ],
)
def test_odd_names_still_make_valid_slugs(db, lists, name, expected):
    user = make_user("bo@example.com", name=name)
    slug = services.coach_profile_verify(user=user, headline="Coach").slug
    assert slug == expected.format(id=user.public_id.hex[:6])
    services.validate_slug(slug)


def test_verifying_again_keeps_the_slug_and_choices(alice_coach):
    again = services.coach_profile_verify(user=alice_coach.user, headline="New headline")
    assert again.pk == alice_coach.pk
    assert again.slug == alice_coach.slug
    assert again.headline == "New headline"
    assert sorted(again.specialties.values_list("slug", flat=True)) == ["executive", "leadership"]


# --- Profile updates ---------------------------------------------------------------------------


def test_alice_updates_her_profile(alice_coach):
    coach = services.coach_profile_update(
        coach=alice_coach,
        headline="Coach for first-time managers",
        bio="Twelve years of practice.",
        specialties=["career", "leadership"],
        languages=["fr"],
        credentials="ICF PCC",
        years_experience=13,
        timezone="Asia/Calcutta",
        currency="usd",
        slug="alice-coaching",
        daily_cap=4,
        weekly_cap=None,
    )
    assert coach.headline == "Coach for first-time managers"
    assert sorted(coach.specialties.values_list("slug", flat=True)) == ["career", "leadership"]
    assert list(coach.languages.values_list("code", flat=True)) == ["fr"]
    assert coach.timezone == "Asia/Kolkata"  # the current name of a legacy zone
    assert coach.currency == "USD"
    assert coach.slug == "alice-coaching"
    assert coach.daily_cap == 4
    # the currency labels every session type's price
    assert set(SessionType.objects.filter(coach=coach).values_list("currency", flat=True)) == {
        "USD"
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"headline": ""}, "headline"),
        ({"headline": "Coach\x00"}, "headline"),
        ({"headline": BIG}, "headline"),
        ({"bio": BIG}, "bio"),
        ({"bio": "ok\x00"}, "bio"),
        ({"credentials": BIG}, "credentials"),
        ({"specialties": ["leadership", "astrology"]}, "specialties"),
        ({"specialties": "leadership"}, "specialties"),
        ({"specialties": ["x\x00"]}, "specialties"),
        ({"languages": ["en", "xx"]}, "languages"),
        ({"years_experience": -1}, "years_experience"),
        ({"years_experience": 81}, "years_experience"),
        ({"years_experience": "5"}, "years_experience"),
        ({"years_experience": True}, "years_experience"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": 5}, "timezone"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"slug": "Alice Adler"}, "slug"),
        ({"slug": "ab"}, "slug"),
        ({"slug": "admin"}, "slug"),
        ({"slug": "a--b"}, "slug"),
        ({"slug": "6f1c2d9e-0b7a-4c0e-9a58-5f1d2c3b4a59"}, "slug"),
        ({"is_active": "no"}, "is_active"),
        ({"daily_cap": -1}, "daily_cap"),
        ({"weekly_cap": 10**9}, "weekly_cap"),
        # a valid change alongside a bad one: nothing is saved
        ({"headline": "Fine", "years_experience": 500}, "years_experience"),
    ],
)
def test_bad_profile_input_is_refused_and_nothing_changes(alice_coach, changes, field):
    before = profile_state(alice_coach)
    with pytest.raises(InvalidInput) as refused:
        services.coach_profile_update(coach=alice_coach, **changes)
    assert field in refused.value.fields, refused.value.fields
    assert profile_state(alice_coach) == before


def test_a_taken_slug_is_refused(alice_coach, dora_coach):
    before = profile_state(dora_coach)
    with pytest.raises(InvalidInput) as refused:
        services.coach_profile_update(coach=dora_coach, slug=alice_coach.slug)
    assert refused.value.code == "slug_taken"
    assert profile_state(dora_coach) == before


def test_alice_pauses_and_resumes_her_listing(alice_coach):
    services.coach_profile_update(coach=alice_coach, is_active=False)
    assert not CoachProfile.objects.get(pk=alice_coach.pk).listed
    services.coach_profile_update(coach=alice_coach, is_active=True)
    assert CoachProfile.objects.get(pk=alice_coach.pk).listed


def test_staff_deactivate_and_suspend_a_coach(alice_coach, staff_user):
    services.coach_profile_set_active(coach_id=alice_coach.pk, actor=staff_user, is_active=False)
    assert not CoachProfile.objects.get(pk=alice_coach.pk).is_active
    services.coach_profile_set_verified(
        coach_id=alice_coach.pk, staff_user=staff_user, is_verified=False
    )
    # Alice can resume her own listing, but a suspension keeps her unlisted.
    services.coach_profile_update(coach=alice_coach, is_active=True)
    assert not CoachProfile.objects.get(pk=alice_coach.pk).listed


def test_strangers_cannot_deactivate_or_suspend(alice_coach, charlie):
    with pytest.raises(NotFound):
        services.coach_profile_set_active(coach_id=alice_coach.pk, actor=charlie, is_active=False)
    with pytest.raises(PermissionDenied):
        services.coach_profile_set_verified(
            coach_id=alice_coach.pk, staff_user=charlie, is_verified=False
        )
    assert CoachProfile.objects.get(pk=alice_coach.pk).listed


# --- Photos ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_photo_is_stored_re_encoded(alice_coach, fmt):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    data = image_bytes(fmt, (64, 48), exif=exif.tobytes())
    coach = services.coach_profile_set_photo(
        coach=alice_coach, upload=SimpleUploadedFile("me.bin", data)
    )
    assert coach.photo.name.startswith("coaches/photos/")
    with coach.photo.open("rb") as stored, Image.open(stored) as image:
        assert image.format == fmt
        assert image.size == (64, 48)
        assert not image.getexif()  # metadata dropped


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"GIF89a" + b"\x00" * 50, "JPEG, PNG or WebP"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "JPEG, PNG or WebP"),
        (image_bytes("GIF"), "JPEG, PNG or WebP"),
        (image_bytes("PNG")[:40], "JPEG, PNG or WebP"),  # truncated
        (b"%PDF-1.4 not an image", "JPEG, PNG or WebP"),
        (image_bytes("PNG", (4001, 10)), "4000"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024), "5 MB"),
    ],
    ids=["empty", "gif-magic", "svg", "gif", "truncated", "pdf", "too-wide", "too-big"],
)
def test_a_bad_photo_is_refused_and_nothing_changes(alice_coach, data, message):
    before = profile_state(alice_coach)
    with pytest.raises(InvalidInput) as refused:
        services.coach_profile_set_photo(
            coach=alice_coach, upload=SimpleUploadedFile("photo.png", data)
        )
    assert message in refused.value.fields["photo"][0]
    assert profile_state(alice_coach) == before


def test_removing_the_photo(alice_coach):
    services.coach_profile_set_photo(
        coach=alice_coach, upload=SimpleUploadedFile("me.png", image_bytes())
    )
    coach = services.coach_profile_remove_photo(coach=alice_coach)
    assert not coach.photo


# --- Session types -----------------------------------------------------------------------------


def test_session_types_keep_min_price_in_sync(alice_coach):
    assert alice_coach.min_price == Decimal("80.00")
    cheap = services.session_type_create(
        coach=alice_coach, name="Intro call", duration_minutes=20, price="0"
    )
    # The cheapest PAID session: a free intro call does not make her cost 0.
    assert CoachProfile.objects.get(pk=alice_coach.pk).min_price == Decimal("80.00")
    services.session_type_update(
        coach=alice_coach, session_type_id=cheap.public_id, price=Decimal("95.50")
    )
    assert CoachProfile.objects.get(pk=alice_coach.pk).min_price == Decimal("80.00")
    first = SessionType.objects.get(coach=alice_coach, name="Session 1")
    services.session_type_deactivate(coach=alice_coach, session_type_id=first.public_id)
    assert CoachProfile.objects.get(pk=alice_coach.pk).min_price == Decimal("95.50")
    services.session_type_delete(coach=alice_coach, session_type_id=cheap.public_id)
    assert CoachProfile.objects.get(pk=alice_coach.pk).min_price is None


def test_a_session_type_is_priced_in_the_coachs_currency(alice_coach):
    services.coach_profile_update(coach=alice_coach, currency="GBP")
    session_type = services.session_type_create(
        coach=alice_coach, name="Deep dive", duration_minutes=90, price="120.5"
    )
    assert session_type.currency == "GBP"
    assert session_type.price == Decimal("120.50")


def test_a_session_type_with_every_field(alice_coach):
    session_type = services.session_type_create(
        coach=alice_coach,
        name="Walk and talk",
        description="In the park.",
        duration_minutes=45,
        price=Decimal("60.00"),
        slot_step_minutes=15,
        buffer_before_minutes=10,
        buffer_after_minutes=720,
        min_notice_minutes=525_600,
        booking_window_days=366,
        daily_cap=0,
        weekly_cap=3,
        requires_confirmation=True,
        location_kind="in_person",
        location_detail="Tiergarten, Berlin",
        is_active=False,
    )
    session_type.refresh_from_db()
    assert session_type.buffer_after_minutes == 720
    assert session_type.daily_cap == 0
    assert not session_type.is_active


GOOD = {"name": "Session", "duration_minutes": 60, "price": "80"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x\x00"}, "name"),
        ({"name": BIG}, "name"),
        ({"description": BIG}, "description"),
        ({"duration_minutes": 4}, "duration_minutes"),
        ({"duration_minutes": 1441}, "duration_minutes"),
        ({"duration_minutes": "60"}, "duration_minutes"),
        ({"duration_minutes": 60.0}, "duration_minutes"),
        ({"slot_step_minutes": 0}, "slot_step_minutes"),
        ({"price": "-1"}, "price"),
        ({"price": "79.999"}, "price"),
        ({"price": "NaN"}, "price"),
        ({"price": "Infinity"}, "price"),
        ({"price": "1e12"}, "price"),
        ({"price": "eighty"}, "price"),
        ({"price": None}, "price"),
        ({"buffer_before_minutes": -5}, "buffer_before_minutes"),
        ({"buffer_after_minutes": 721}, "buffer_after_minutes"),
        ({"min_notice_minutes": 525_601}, "min_notice_minutes"),
        ({"booking_window_days": 0}, "booking_window_days"),
        ({"booking_window_days": 367}, "booking_window_days"),
        ({"daily_cap": -1}, "daily_cap"),
        ({"weekly_cap": -3}, "weekly_cap"),
        ({"location_kind": "moon"}, "location_kind"),
        ({"location_kind": "in_person"}, "location_detail"),
        ({"location_detail": BIG}, "location_detail"),
        ({"requires_confirmation": "yes"}, "requires_confirmation"),
    ],
)
def test_bad_session_type_input_is_refused_and_nothing_changes(alice_coach, changes, field):
    before = profile_state(alice_coach)
    with pytest.raises(InvalidInput) as created:
        services.session_type_create(coach=alice_coach, **{**GOOD, **changes})
    assert field in created.value.fields, created.value.fields
    existing = SessionType.objects.get(coach=alice_coach)
    with pytest.raises(InvalidInput) as updated:
        services.session_type_update(
            coach=alice_coach, session_type_id=existing.public_id, **changes
        )
    assert field in updated.value.fields, updated.value.fields
    assert profile_state(alice_coach) == before


def test_jpy_prices_are_whole(alice_coach):
    services.coach_profile_update(coach=alice_coach, currency="JPY")
    with pytest.raises(InvalidInput):
        services.session_type_create(
            coach=alice_coach, name="Session", duration_minutes=60, price="8000.50"
        )
    ok = services.session_type_create(
        coach=alice_coach, name="Session", duration_minutes=60, price="8000"
    )
    assert ok.price == Decimal("8000")


def test_a_coach_cannot_touch_another_coachs_session_type(alice_coach, dora_coach):
    alices = SessionType.objects.get(coach=alice_coach)
    before = profile_state(alice_coach)
    with pytest.raises(NotFound):
        services.session_type_update(coach=dora_coach, session_type_id=alices.public_id, name="x")
    with pytest.raises(NotFound):
        services.session_type_delete(coach=dora_coach, session_type_id=alices.public_id)
    with pytest.raises(NotFound):
        services.session_type_update(coach=dora_coach, session_type_id="not-a-uuid", name="x")
    assert profile_state(alice_coach) == before


def test_a_booked_session_type_cannot_be_deleted(alice_coach, bob):
    from datetime import timedelta

    from django.utils import timezone

    from tandem.booking.models import Booking

    session_type = SessionType.objects.get(coach=alice_coach)
    start = timezone.now() + timedelta(days=2)
    Booking.objects.create(
        coach=alice_coach,
        client=bob,
        session_type=session_type,
        start=start,
        end=start + timedelta(hours=1),
        blocked_start=start,
        blocked_end=start + timedelta(hours=1),
    )
    with pytest.raises(Conflict) as refused:
        services.session_type_delete(coach=alice_coach, session_type_id=session_type.public_id)
    assert refused.value.code == "session_type_booked"
    assert SessionType.objects.filter(pk=session_type.pk).exists()
    services.session_type_deactivate(coach=alice_coach, session_type_id=session_type.public_id)
    assert not SessionType.objects.get(pk=session_type.pk).is_active


def test_a_coach_has_at_most_fifty_session_types(alice_coach, monkeypatch):
    monkeypatch.setattr(services, "MAX_SESSION_TYPES", 2)
    services.session_type_create(coach=alice_coach, name="Two", duration_minutes=30)
    with pytest.raises(Conflict):
        services.session_type_create(coach=alice_coach, name="Three", duration_minutes=30)
    assert SessionType.objects.filter(coach=alice_coach).count() == 2


def test_session_type_changes_ask_availability_to_refresh(alice_coach, monkeypatch):
    provider = availability_hook.provider()
    assert provider is not None
    calls: list[list[int]] = []
    replaced = dataclasses.replace(provider, changed=calls.append)
    monkeypatch.setattr(availability_hook, "_provider", replaced)
    services.session_type_create(coach=alice_coach, name="New", duration_minutes=30)
    services.coach_profile_update(coach=alice_coach, timezone="Europe/Paris")
    services.coach_profile_update(coach=alice_coach, bio="No refresh for a bio.")
    assert calls == [[alice_coach.pk], [alice_coach.pk]]


def test_without_availability_a_change_refreshes_nothing(
    alice_coach, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(availability_hook, "_provider", None)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.session_type_create(coach=alice_coach, name="New", duration_minutes=30)
    assert callbacks == []
    assert SessionType.objects.filter(coach=alice_coach, name="New").exists()


# --- Search document ---------------------------------------------------------------------------


@pytest.mark.skipif(not search.uses_full_text(), reason="PostgreSQL full-text search only")
def test_the_search_vector_follows_name_headline_specialties_and_bio(alice_coach):
    from tandem.accounts import services as account_services

    def document() -> str:
        return str(CoachProfile.objects.get(pk=alice_coach.pk).search_vector)

    # name and headline weigh A, specialties B, bio C
    assert "'adler':2A" in document()
    assert "'execut':6B" in document()
    assert "'manag':10C" in document()
    services.coach_profile_update(coach=alice_coach, specialties=["mindfulness"], bio="Rowing.")
    assert "'mind" in document()
    assert "'execut'" not in document()
    assert "'row':" in document()
    account_services.user_update_profile(user=alice_coach.user, display_name="Alice Zebra")
    assert "'zebra'" in document()


def test_make_coach_helper_lists_the_coach(db, lists):
    user = make_user("eve@example.com", name="Eve")
    coach = make_coach(user, prices=("10",))
    assert coach.listed and coach.min_price == Decimal("10.00")
