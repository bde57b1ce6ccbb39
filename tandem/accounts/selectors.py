import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from tandem.core.cursors import decode_position, encode_cursor
from tandem.core.errors import InvalidInput
from tandem.core.ids import parse_id

from .models import ApiToken, CoachApplication, Role, User
from .roles import role_conditions


def user_roles(user: User) -> frozenset[str]:
    """The roles an account holds, in one query, cached on the user object for the request.

    Roles recorded by apps above accounts (org admin) come from their registered conditions
    (tandem/accounts/roles.py)."""
    cached = getattr(user, "_tandem_roles", None)
    if cached is not None:
        return cached
    conditions = {
        Role.COACH.value: Exists(
            CoachApplication.objects.filter(
                user=OuterRef("pk"), status=CoachApplication.Status.APPROVED
            )
        ),
        **{role: condition(OuterRef("pk")) for role, condition in role_conditions().items()},
    }
    # Annotation names are built from the role names ("holds_coach", "holds_org_admin").
    flags = (
        User.objects.filter(pk=user.pk)
        .annotate(**{f"holds_{role}": condition for role, condition in conditions.items()})
        .values("is_staff", *(f"holds_{role}" for role in conditions))
        .first()
    ) or {}
    roles = {Role.CLIENT.value}
    roles.update(role for role in conditions if flags.get(f"holds_{role}"))
    if flags.get("is_staff"):
        roles.add(Role.STAFF.value)
    result = frozenset(roles)
    user._tandem_roles = result  # type: ignore[attr-defined]
    return result


def user_get_visible(*, viewer: User, public_id: str) -> User | None:
    """A profile is visible to its owner and to staff; to anyone else it does not exist."""
    parsed = parse_id(public_id)
    if parsed is None:
        return None
    user = User.objects.filter(public_id=str(parsed), is_active=True).first()
    if user is None:
        return None
    if user.pk == viewer.pk or viewer.is_staff:
        return user
    return None


def user_by_pk(user_id: int) -> User:
    """The user with this primary key (raises User.DoesNotExist), for jobs that carry ids."""
    return User.objects.get(pk=user_id)


def users_with_pk(user_id: int | OuterRef) -> QuerySet[User]:
    """The user row with this primary key, as a queryset for another app to annotate or to
    use as a subquery (`users_with_pk(OuterRef("user_id"))`): no query of its own."""
    return User.objects.filter(pk=user_id)


def active_users(where: Q) -> QuerySet[User]:
    """Active accounts matching a condition another app builds on users (booking's
    `booked_with`), unordered: no query of its own."""
    return User.objects.filter(where, is_active=True)


def active_user_by_public_id(public_id: uuid.UUID) -> User | None:
    """An active account by its public id, or None (callers decide what each may see)."""
    return User.objects.filter(public_id=public_id, is_active=True).first()


def active_staff_ids() -> list[int]:
    """The primary keys of every active staff member."""
    return list(User.objects.filter(is_staff=True, is_active=True).values_list("pk", flat=True))


def timezones_of(user_ids: Iterable[int]) -> dict[int, str]:
    """Each user's IANA zone name, by primary key (one query)."""
    return dict(User.objects.filter(pk__in=list(user_ids)).values_list("pk", "timezone"))


def active_user_with_email(email: str) -> User | None:
    """The active account with this email address (any case), if there is one."""
    return User.objects.filter(email__iexact=email, is_active=True).first()


def api_tokens_for(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


def coach_application_latest(user: User) -> CoachApplication | None:
    return CoachApplication.objects.filter(user=user).first()


# --- Staff: the coach application review queue ----------------------------------------------

REVIEW_DEFAULT_LIMIT = 20
REVIEW_MAX_LIMIT = 50


@dataclass(frozen=True)
class ApplicationPage:
    items: list[CoachApplication]
    next_cursor: str | None


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: [message]})


def coach_applications_for_review(
    *, status: str = "pending", cursor: str | None = None, limit: int = REVIEW_DEFAULT_LIMIT
) -> ApplicationPage:
    """Coach applications in one status, oldest first (first come, first served).

    Keyset pagination on (created_at, public_id). Staff only: callers check.
    """
    if status not in CoachApplication.Status.values:
        raise _invalid("status", f"Choose one of: {', '.join(CoachApplication.Status.values)}.")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= REVIEW_MAX_LIMIT:
        raise _invalid("limit", f"Enter a number from 1 to {REVIEW_MAX_LIMIT}.")
    rows = (
        CoachApplication.objects.filter(status=status)
        .select_related("user", "decided_by")
        .order_by("created_at", "public_id")
    )
    if cursor:
        created_at, last_id = decode_position(
            cursor,
            moment="k",
            key="id",
            key_type=uuid.UUID,
            scope={"s": f"applications:{status}"},
        )
        rows = rows.filter(
            Q(created_at__gt=created_at) | Q(created_at=created_at, public_id__gt=last_id)
        )
    items = list(rows[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = encode_cursor(
            {
                "s": f"applications:{status}",
                "k": last.created_at.isoformat(),
                "id": last.public_id.hex,
            }
        )
    return ApplicationPage(items=items, next_cursor=next_cursor)


def coach_application_for_review(application_id: object) -> CoachApplication | None:
    """One application by public id (staff only: callers check), or None."""
    public_id = parse_id(application_id)
    if public_id is None:
        return None
    return (
        CoachApplication.objects.select_related("user", "decided_by")
        .filter(public_id=public_id)
        .first()
    )
