from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from tandem.accounts.selectors import user_roles
from tandem.orgs.management_pages.selectors import nav_orgs


@dataclass(frozen=True, slots=True)
class MenuItem:
    label: str
    url_name: str
    icon: str
    # url names starting with this prefix (or one of these) mark the item (and its menu) as
    # the current page.
    prefix: str | tuple[str, ...]


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
# Shown in the Workspace menu to someone holding a place in a sponsored programme.
PROGRAMMES_ITEM = MenuItem(
    "My programmes", "orgs_my_programmes", "award", ("orgs_my_programmes", "orgs_seat")
)

# An organisation admin's pages (orgs): the organisations' programmes, then each
# organisation's reminder schedule (items built per organisation in `_org_menu`).
ORG_OVERVIEW = MenuItem(
    "Programmes",
    "orgs_home",
    "building",
    (
        "orgs_home",
        "orgs_organisation",
        "orgs_programme",
        "orgs_participants",
        "orgs_budget",
        "orgs_import",
        "orgs_roi",
        "orgs_export",
    ),
)

STAFF_MENU = (
    MenuItem("Coach applications", "staff_coach_applications", "mortarboard", "staff_coach_"),
    MenuItem("Payments", "staff_payments", "receipt", "staff_payment"),
    MenuItem("Payouts", "staff_payouts", "bank", "staff_payout"),
    MenuItem("Gift cards", "staff_gift_cards", "gift", "staff_gift_card"),
    MenuItem("Organisations", "staff_organisations", "building", "staff_organisation"),
    MenuItem("Staff admin", "admin:index", "gear", "admin:"),
)


def _url(name: str, **kwargs: Any) -> str:
    try:
        return reverse(name, kwargs=kwargs or None)
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


def _org_menu(organisations: list[tuple[str, str]], current: str, org_id: str) -> dict[str, Any]:
    menu = _menu((ORG_OVERVIEW,), current)
    for public_id, name in organisations:
        url = _url("orgs_reminders", org_id=public_id)
        if not url:
            continue
        label = "Reminder schedule" if len(organisations) == 1 else f"Reminders: {name}"
        here = current == "orgs_reminders" and org_id == public_id
        menu["links"].append({"label": label, "url": url, "icon": "alarm", "current": here})
        menu["current"] = menu["current"] or here
    return menu


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
    # Organisations: one query whatever the user holds (seat, administered organisations).
    orgs = nav_orgs(user, is_org_admin="org_admin" in roles)
    workspace = WORKSPACE_MENU + ((PROGRAMMES_ITEM,) if orgs.holds_seat else ())
    context["workspace_menu"] = _menu(workspace, current)
    if orgs.organisations:
        kwargs = match.kwargs if match is not None else {}
        context["org_menu"] = _org_menu(orgs.organisations, current, str(kwargs.get("org_id", "")))
    if "coach" in roles:
        context["coach_menu"] = _menu(COACH_MENU, current)
    if "staff" in roles:
        context["staff_menu"] = _menu(STAFF_MENU, current)
    return context
