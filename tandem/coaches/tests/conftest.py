"""Coach fixtures: Alice's coach profile (verified, listed), files to upload, API clients."""

import io
from decimal import Decimal

import pytest
from django.test import Client
from PIL import Image

from conftest import make_user
from tandem.accounts import services as account_services
from tandem.coaches import services
from tandem.coaches.models import CoachProfile, Language, Specialty

SPECIALTIES = {
    "leadership": "Leadership",
    "career": "Career",
    "mindfulness": "Mindfulness",
    "parenting": "Parenting",
    "executive": "Executive",
}
LANGUAGES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish"}


@pytest.fixture
def lists(db) -> None:
    """The managed lists (seeded by a migration; ensured here in case a test flushed them)."""
    for slug, name in SPECIALTIES.items():
        Specialty.objects.get_or_create(slug=slug, defaults={"name": name})
    for code, name in LANGUAGES.items():
        Language.objects.get_or_create(code=code, defaults={"name": name})


def make_coach(
    user,
    *,
    headline: str = "Coach",
    bio: str = "",
    specialties: tuple[str, ...] = (),
    languages: tuple[str, ...] = ("en",),
    prices: tuple[str, ...] = (),
    currency: str = "EUR",
    hours: bool = True,
    **profile: object,
) -> CoachProfile:
    """A verified coach profile made the way the app makes one (through the services).

    With `hours` (the default) the coach works Monday to Friday, 09:00-17:00: a coach is
    listed only with weekly hours and an active session type (`prices`)."""
    coach = services.coach_profile_verify(user=user, headline=headline)
    coach = services.coach_profile_update(
        coach=coach,
        bio=bio,
        specialties=list(specialties),
        languages=list(languages),
        currency=currency,
        **profile,
    )
    for n, price in enumerate(prices):
        services.session_type_create(
            coach=coach, name=f"Session {n + 1}", duration_minutes=60, price=Decimal(price)
        )
    if hours:
        give_hours(coach)
    coach.refresh_from_db()
    return coach


def give_hours(coach: CoachProfile) -> None:
    """Weekly hours, Monday to Friday 09:00-17:00, written directly (no refresh task)."""
    from tandem.availability.models import WeeklyInterval

    WeeklyInterval.objects.bulk_create(
        WeeklyInterval(coach=coach, weekday=day, start_minute=9 * 60, end_minute=17 * 60)
        for day in range(5)
    )


@pytest.fixture
def alice_coach(alice, lists) -> CoachProfile:
    """Alice's listed coach profile: leadership, English and German, one 80 EUR session."""
    return make_coach(
        alice,
        headline="Leadership coach",
        bio="I help new managers find their feet.",
        specialties=("leadership", "executive"),
        languages=("en", "de"),
        prices=("80",),
        years_experience=12,
    )


@pytest.fixture
def dora_coach(db, lists) -> CoachProfile:
    """Another coach, Dora, to check coaches cannot touch each other's things."""
    dora = make_user("dora@example.com", name="Dora Diaz", zone="Europe/Madrid")
    return make_coach(dora, headline="Career coach", specialties=("career",), prices=("50",))


def token_client(user) -> Client:
    _, raw = account_services.api_token_create(user=user, name="tests")
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def alice_api(alice) -> Client:
    return token_client(alice)


@pytest.fixture
def bob_api(bob) -> Client:
    return token_client(bob)


@pytest.fixture
def charlie_api(charlie) -> Client:
    return token_client(charlie)


@pytest.fixture
def staff_api(staff_user) -> Client:
    return token_client(staff_user)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (8, 8), **save: object) -> bytes:
    out = io.BytesIO()
    mode = "RGB" if fmt == "JPEG" else "RGBA"
    Image.new(mode, size, (200, 40, 40)).save(out, fmt, **save)
    return out.getvalue()


def pdf_bytes() -> bytes:
    """A tiny but well-formed one-page PDF."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()
