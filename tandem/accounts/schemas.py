from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field

from tandem.core.schemas import InputSchema


class ProfileOut(Schema):
    id: UUID
    email: str
    display_name: str
    timezone: str
    locale: str
    roles: list[str]
    date_joined: datetime


class ProfileUpdateIn(InputSchema):
    display_name: str | None = Field(default=None, max_length=100)
    timezone: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=10)


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
    headline: str = Field(min_length=1, max_length=200)
    motivation: str = Field(default="", max_length=5000)


class CoachApplicationOut(Schema):
    id: UUID
    status: str
    headline: str
    created_at: datetime
    decided_at: datetime | None


class SignupIn(InputSchema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=512)
    display_name: str = Field(default="", max_length=100)
    timezone: str = Field(default="UTC", max_length=64)


class SignupOut(Schema):
    status: str = Field(description='Always "verification_sent": check the inbox to continue.')
    email: str
