from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field, StrictBool

from tandem.core.schemas import InputSchema


class ProfileOut(Schema):
    id: UUID
    email: str
    display_name: str
    timezone: str
    locale: str
    time_format: Literal["auto", "12h", "24h"] = Field(
        description="How times are written for this user: auto (from locale and zone), 12h, 24h"
    )
    clock: Literal["12h", "24h"] = Field(description="The clock in effect (auto resolved)")
    roles: list[str]
    date_joined: datetime


class ProfileUpdateIn(InputSchema):
    display_name: str | None = Field(default=None, max_length=100)
    timezone: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=10)
    time_format: str | None = Field(default=None, max_length=4, description="auto, 12h or 24h")


class TokenOut(Schema):
    id: UUID
    name: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The token itself. Shown once; store it now.")


class TokenCreateIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)


class CoachApplicationIn(InputSchema):
    headline: str = Field(
        min_length=1, max_length=200, description="One line clients will see (1 to 200 chars)."
    )
    motivation: str = Field(
        default="", max_length=5000, description="About your practice (up to 5,000 chars)."
    )
    credentials: str = Field(
        default="",
        max_length=2000,
        description="Qualifications and certifications (up to 2,000 chars). Attach a "
        "certificate file with POST /coach-applications/{id}/certificate.",
    )


class CoachApplicationOut(Schema):
    id: UUID = Field(description="Public id of the application.")
    status: str = Field(description="pending, approved or rejected.")
    headline: str = Field(description="The headline applied with.")
    credentials: str = Field(description="Qualifications given.")
    has_certificate: bool = Field(description="A certificate file is attached.")
    rejection_reason: str = Field(description="Why staff rejected it (empty otherwise).")
    created_at: datetime = Field(description="When it was sent (UTC).")
    decided_at: datetime | None = Field(description="When staff decided (UTC), or null.")


class ApplicantOut(Schema):
    id: UUID = Field(description="The applicant's public user id.")
    email: str = Field(description="The applicant's email address.")
    display_name: str = Field(description="The applicant's name.")


class StaffCoachApplicationOut(CoachApplicationOut):
    motivation: str = Field(description="What the applicant wrote about their practice.")
    certificate_url: str | None = Field(
        description="Staff-only download of the certificate file, or null."
    )
    applicant: ApplicantOut = Field(description="Who applied.")
    decided_by: str | None = Field(description="Email of the staff member who decided.")


class StaffCoachApplicationsQuery(Schema):
    status: Literal["pending", "approved", "rejected"] = Field(
        default="pending", description="Which applications to list (oldest first)."
    )
    cursor: str | None = Field(
        default=None, max_length=512, description="next_cursor of the previous page."
    )
    limit: int = Field(default=20, ge=1, le=50, description="Page size (1 to 50).")


class StaffCoachApplicationsOut(Schema):
    items: list[StaffCoachApplicationOut] = Field(description="One page of applications.")
    next_cursor: str | None = Field(description="Cursor for the next page; null on the last.")


class CoachApplicationDecisionIn(InputSchema):
    approve: StrictBool = Field(description="true approves (the coach is verified), false rejects.")
    reason: str = Field(
        default="",
        max_length=2000,
        description="Required to reject: the applicant receives it by email.",
    )


class SignupIn(InputSchema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=512)
    display_name: str = Field(default="", max_length=100)
    timezone: str = Field(default="UTC", max_length=64)


class SignupOut(Schema):
    status: str = Field(description='Always "verification_sent": check the inbox to continue.')
    email: str
