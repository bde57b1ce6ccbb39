import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone as dj_timezone


class Specialty(models.Model):
    """A managed list (staff edit it in the admin); coaches pick from it."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"

    def __str__(self) -> str:
        return self.name


class Language(models.Model):
    """A language a coach works in (ISO 639-1 code)."""

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CoachProfile(models.Model):
    """A coach's public face. Listed and bookable only when verified and active."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coach_profile"
    )
    # The public booking page lives at /c/<slug>/.
    slug = models.SlugField(max_length=60, unique=True)
    headline = models.CharField(max_length=200)
    bio = models.TextField(max_length=10_000, blank=True)
    photo = models.ImageField(upload_to="coaches/photos/", blank=True)
    specialties = models.ManyToManyField(Specialty, blank=True, related_name="coaches")
    languages = models.ManyToManyField(Language, blank=True, related_name="coaches")
    credentials = models.TextField(max_length=2000, blank=True)
    years_experience = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(80)]
    )
    timezone = models.CharField(max_length=64, default="UTC")
    currency = models.CharField(max_length=3, default="EUR")
    is_verified = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    # Coach-wide caps over all session types (null: no cap).
    daily_cap = models.PositiveSmallIntegerField(null=True, blank=True)
    weekly_cap = models.PositiveSmallIntegerField(null=True, blank=True)
    # Booking policy. A client may cancel free of charge until this many hours before the
    # start (later is a late cancellation, which payments charge) ...
    cancel_free_hours = models.PositiveSmallIntegerField(
        default=24, validators=[MaxValueValidator(24 * 30)]
    )
    # ... and reschedule until this many hours before the start.
    reschedule_min_hours = models.PositiveSmallIntegerField(
        default=12, validators=[MaxValueValidator(24 * 30)]
    )
    # Denormalised for sorting/filtering the directory; refreshed when rules or bookings
    # change and by a periodic sweep. Pages recompute it live for the coaches they show.
    next_available_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The cheapest active session type's price, in `currency` (every session type is priced
    # in the coach's currency); compared with other coaches' only in the same currency.
    min_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    # PostgreSQL full-text search document (A: name + headline, B: specialties, C: bio), kept
    # up to date by coaches.search.refresh_search_vectors; GIN-indexed by a migration that
    # runs only on PostgreSQL. On SQLite the column exists but stays empty (search falls back
    # to icontains there).
    search_vector = SearchVectorField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["is_verified", "is_active", "next_available_at"], name="coach_listing_idx"
            ),
            # Price filters compare min_price within one currency (coaches.selectors).
            models.Index(
                fields=["is_verified", "is_active", "currency", "min_price"],
                name="coach_currency_price_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$"), name="coach_currency_iso"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.headline}"

    @property
    def listed(self) -> bool:
        return self.is_verified and self.is_active


class SessionType(models.Model):
    class Location(models.TextChoices):
        VIDEO = "video", "Video call"
        IN_PERSON = "in_person", "In person"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(CoachProfile, on_delete=models.CASCADE, related_name="session_types")
    name = models.CharField(max_length=120)
    description = models.TextField(max_length=5000, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)]
    )
    price = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="EUR")
    buffer_before_minutes = models.PositiveSmallIntegerField(default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(default=0)
    min_notice_minutes = models.PositiveIntegerField(default=12 * 60)
    booking_window_days = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(5), MaxValueValidator(24 * 60)]
    )
    daily_cap = models.PositiveSmallIntegerField(null=True, blank=True)
    weekly_cap = models.PositiveSmallIntegerField(null=True, blank=True)
    requires_confirmation = models.BooleanField(default=False)
    location_kind = models.CharField(
        max_length=10, choices=Location.choices, default=Location.VIDEO
    )
    location_detail = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["price", "duration_minutes", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5), name="session_type_min_duration"
            ),
            models.CheckConstraint(
                condition=models.Q(slot_step_minutes__gte=5), name="session_type_min_step"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="session_type_price"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_minutes} min)"
