from django.db.models import Exists, OuterRef, QuerySet

from tandem.core.ids import parse_id
from tandem.orgs.models import Membership

from .models import ApiToken, CoachApplication, Role, User


def user_roles(user: User) -> frozenset[str]:
    """The roles an account holds, in one query, cached on the user object for the request."""
    cached = getattr(user, "_tandem_roles", None)
    if cached is not None:
        return cached
    flags = (
        User.objects.filter(pk=user.pk)
        .annotate(
            is_coach=Exists(
                CoachApplication.objects.filter(
                    user=OuterRef("pk"), status=CoachApplication.Status.APPROVED
                )
            ),
            is_org_admin=Exists(
                Membership.objects.filter(user=OuterRef("pk"), role=Membership.Role.ADMIN)
            ),
        )
        .values("is_coach", "is_org_admin", "is_staff")
        .first()
    ) or {}
    roles = {Role.CLIENT.value}
    if flags.get("is_coach"):
        roles.add(Role.COACH.value)
    if flags.get("is_org_admin"):
        roles.add(Role.ORG_ADMIN.value)
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


def api_tokens_for(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


def coach_application_latest(user: User) -> CoachApplication | None:
    return CoachApplication.objects.filter(user=user).first()
