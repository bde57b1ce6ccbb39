import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone

from tandem.core import timefmt


class Role(models.TextChoices):
    CLIENT = "client", "Client"
    COACH = "coach", "Coach"
    ORG_ADMIN = "org_admin", "Organisation admin"
    STAFF = "staff", "Staff"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. Every account is a client; other roles are granted by related rows."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    display_name = models.CharField(max_length=100, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    locale = models.CharField(max_length=10, default="en", choices=settings.LANGUAGES)
    # 12- or 24-hour clock; "auto" follows the language and the zone's country (core/timefmt).
    time_format = models.CharField(max_length=4, default=timefmt.AUTO, choices=timefmt.CHOICES)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=dj_timezone.now)

    objects = UserManager()

    @property
    def clock(self) -> str:
        """ "12h" or "24h": the clock this user reads times in."""
        return timefmt.resolve(self.time_format, locale=self.locale, zone=self.timezone)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def clean(self) -> None:
        # Forms (the admin's "add user", for one) store emails as typed; sign-up and the
        # manager store them lower-cased. Normalise here too, so one address has one spelling
        # and a differently cased duplicate gets the unique field's error, not a raw constraint.
        super().clean()
        self.email = type(self).objects.normalize_email(self.email).lower()

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@", 1)[0]


class CoachApplication(models.Model):
    """A user's request to become a coach; staff review it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="coach_applications")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    headline = models.CharField(max_length=200)
    motivation = models.TextField(max_length=5000, blank=True)
    credentials = models.TextField(max_length=2000, blank=True)
    certificate = models.FileField(upload_to="coaches/certificates/", blank=True)
    rejection_reason = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open application, and one approval, per user: the database keeps the promise.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="accounts_one_pending_coach_application",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="approved"),
                name="accounts_one_approved_coach_application",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.status})"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the secret is stored."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters of the token, shown in lists so a user can tell tokens apart.
    hint = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
