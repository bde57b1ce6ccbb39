from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from tandem.accounts.selectors import user_roles


@dataclass(frozen=True, slots=True)
class MenuItem:
    label: str
    url_name: str
    icon: str
    # url names starting with this prefix mark the item (and its menu) as the current page.
    prefix: str


# A coach's tools, in one "Coach" menu (they used to hide under Settings).
COACH_MENU = (
    MenuItem("Clients", "workspace_client_list", "people", "workspace_client_"),
    MenuItem("Note templates", "workspace_note_templates", "file-text", "workspace_note_templ"),
    MenuItem("Availability", "coach_availability", "clock", "coach_availability"),
    MenuItem("Session types", "coach_session_types", "calendar2-week", "coach_session_type"),
    MenuItem("Coach profile", "coach_profile", "person-badge", "coach_profile"),
    MenuItem("Packages", "coach_packages", "box-seam", "coach_package"),
    MenuItem("Earnings", "coach_earnings", "cash-coin", "coach_earnings"),
    MenuItem("Book now offers", "book_now_offers", "lightning-charge", "book_now_offers"),
    MenuItem("Reminders", "coach_reminders", "alarm", "coach_reminders"),
    MenuItem("Booking policy", "coach_policy", "shield-check", "coach_policy"),
)

# The coaching workspace, everyone's side as a client (every account is one).
WORKSPACE_MENU = (
    MenuItem("My coaching", "workspace_my_coaching", "person-heart", "workspace_my_coaching"),
    MenuItem("Journal", "journal_list", "journal-text", "journal_"),
    MenuItem("Action items", "workspace_actions", "check2-square", "workspace_action"),
    MenuItem("Search my notes", "workspace_search", "search", "workspace_search"),
)

STAFF_MENU = (
    MenuItem("Coach applications", "staff_coach_applications", "mortarboard", "staff_coach_"),
    MenuItem("Payments", "staff_payments", "receipt", "staff_payment"),
    MenuItem("Payouts", "staff_payouts", "bank", "staff_payout"),
    MenuItem("Gift cards", "staff_gift_cards", "gift", "staff_gift_card"),
    MenuItem("Staff admin", "admin:index", "gear", "admin:"),
)


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # a page of an area that is not installed (yet): no link
        return ""


def _menu(items: tuple[MenuItem, ...], current: str) -> dict[str, Any]:
    links = [
        {
            "label": item.label,
            "url": url,
            "icon": item.icon,
            "current": bool(current) and current.startswith(item.prefix),
        }
        for item in items
        if (url := _url(item.url_name))
    ]
    return {"links": links, "current": any(link["current"] for link in links)}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"roles": frozenset()}
    roles = user_roles(user)
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match is not None else ""
    context: dict[str, Any] = {
        "roles": roles,
        # Becoming a coach is offered only to those who are neither a coach nor staff.
        "can_become_coach": "coach" not in roles and "staff" not in roles,
    }
    context["workspace_menu"] = _menu(WORKSPACE_MENU, current)
    if "coach" in roles:
        context["coach_menu"] = _menu(COACH_MENU, current)
    if "staff" in roles:
        context["staff_menu"] = _menu(STAFF_MENU, current)
    return context
