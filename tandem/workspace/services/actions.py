"""Workspace services: action items (create, update, complete, reopen, delete).

Who may do what (decided for issue 17):
- either side of an engagement creates an item, for the client (the default) or the coach;
- either side edits it (it is shared work) and either side marks it done or reopens it, but
  only the assignee writes the reflection (it is their own thought about their own work);
- only its creator deletes it;
- an ended engagement is read-only (EngagementEnded); a paused one still works.

A due date may be today but not earlier, "today" being the assignee's own (their zone), since
the reminders are theirs. Moving the due date clears the reminder marks, so the new date gets
its own "due today" and "overdue" notifications (services/action_reminders.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.booking import selectors as booking_selectors
from tandem.core.text import clean_text

from ..models import ActionItem, Engagement, Goal, SessionNote
from ..selectors.access import parse_id
from ..selectors.actions import local_today
from . import search
from .errors import EngagementEnded, EngagementNotFound, InvalidInput, NotAllowed, ObjectNotFound
from .events import emit

TITLE_MAX = 300
DETAIL_MAX = 2000
REFLECTION_MAX = 1000

_UNSET: Any = object()  # "not given" for update(), where None means "clear it"


def _in_engagement(engagement: Engagement, actor: Any) -> None:
    if actor is None or actor.pk not in (engagement.client_id, engagement.coach.user_id):
        raise EngagementNotFound()


def _writable(engagement: Engagement) -> None:
    if engagement.state == Engagement.State.ENDED:
        raise EngagementEnded()


def _assignee(engagement: Engagement, value: Any) -> Any:
    """The engagement's client (None) or one of its two people, as a user or a public id."""
    client, coach = engagement.client, engagement.coach.user
    if value is None or value == "":
        return client
    if hasattr(value, "pk"):
        found = {client.pk: client, coach.pk: coach}.get(value.pk)
    else:
        found = {client.public_id: client, coach.public_id: coach}.get(parse_id(value))  # type: ignore[arg-type]
    if found is None:
        raise InvalidInput(
            "An action item is for the client or the coach of this engagement.",
            fields={"assignee": ["Choose the client or the coach."]},
        )
    return found


def _goal(engagement: Engagement, value: Any) -> Goal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Goal):
        if value.engagement_id != engagement.pk:
            raise ObjectNotFound("No such goal.", fields={"goal": ["not_found"]})
        return value
    parsed = parse_id(value)
    goal = Goal.objects.filter(engagement=engagement, public_id=parsed).first() if parsed else None
    if goal is None:
        raise ObjectNotFound("No such goal.", fields={"goal": ["not_found"]})
    return goal


def _booking(engagement: Engagement, value: Any) -> Any:
    """A session of this engagement's coach and client (through booking's own selector)."""
    if value is None or value == "":
        return None
    public_id = value.public_id if hasattr(value, "public_id") else value
    found = booking_selectors.booking_for(engagement.client, public_id)
    if found is None or found.coach_id != engagement.coach_id:
        raise ObjectNotFound("No such session.", fields={"booking": ["not_found"]})
    return found


def _source_note(engagement: Engagement, value: Any) -> SessionNote | None:
    if value is None or value == "":
        return None
    if isinstance(value, SessionNote):
        if value.engagement_id != engagement.pk:
            raise ObjectNotFound("No such note.", fields={"source_note": ["not_found"]})
        return value
    parsed = parse_id(value)
    note = (
        SessionNote.objects.filter(engagement=engagement, public_id=parsed).first()
        if parsed
        else None
    )
    if note is None:
        raise ObjectNotFound("No such note.", fields={"source_note": ["not_found"]})
    return note


def _due_date(
    value: Any, *, assignee: Any, now: datetime, unchanged: date | None = None
) -> date | None:
    """The due date from input; not before the assignee's today, unless it is `unchanged`
    (an overdue item keeps its date while its title is edited)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except ValueError:
            raise InvalidInput(
                "A due date is a date (YYYY-MM-DD).", fields={"due_date": ["invalid"]}
            ) from None
    due: date = value
    if due != unchanged and due < local_today(assignee, now):
        raise InvalidInput(
            "The due date is in the past.",
            fields={"due_date": ["Choose today or a later day."]},
        )
    return due


def _text(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidInput("Text expected.", fields={field: ["invalid"]})
    return clean_text(value, field=field, max_length=max_length, required=required)


def _index(item: ActionItem) -> None:
    # The assignee's own blind index (services/search.py): they find their items by words.
    search.index(
        owner=item.assignee, kind="action", object_id=item.pk, text=f"{item.title}\n{item.detail}"
    )


def _schedule_reminders(item: ActionItem) -> None:
    # Import here: tasks.py imports the reminder service, which imports this module's helpers.
    from .action_reminders import schedule_reminders

    schedule_reminders(item)


def action_item_create(
    *,
    actor: Any,
    engagement: Engagement,
    title: str,
    assignee: Any = None,
    due_date: Any = None,
    goal: Any = None,
    booking: Any = None,
    source_note: Any = None,
    detail: str = "",
    now: datetime | None = None,
) -> ActionItem:
    """A new open item. Refused (nothing written): someone outside the engagement (404), an
    ended engagement (409), a goal/session/note of another engagement (404), bad text or a
    past due date (400)."""
    now = now or timezone.now()
    _in_engagement(engagement, actor)
    _writable(engagement)
    title = _text(title, field="title", max_length=TITLE_MAX, required=True)
    detail = _text(detail, field="detail", max_length=DETAIL_MAX)
    person = _assignee(engagement, assignee)
    due = _due_date(due_date, assignee=person, now=now)
    linked_goal = _goal(engagement, goal)
    linked_booking = _booking(engagement, booking)
    note = _source_note(engagement, source_note)
    with transaction.atomic():
        item = ActionItem.objects.create(
            engagement=engagement,
            title=title,
            detail=detail,
            assignee=person,
            created_by=actor,
            goal=linked_goal,
            booking=linked_booking,
            source_note=note,
            due_date=due,
            created_at=now,
            updated_at=now,
        )
        _index(item)
        if due is not None:
            _schedule_reminders(item)
        emit(engagement, "actions", object_id=item.public_id, action="created")
    return item


def _locked(item: ActionItem) -> ActionItem:
    """The item again under a row lock (PostgreSQL; SQLite's IMMEDIATE transaction is one)."""
    return (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("engagement__coach__user", "engagement__client", "assignee", "goal")
        .get(pk=item.pk)
    )


def action_item_update(
    *,
    actor: Any,
    item: ActionItem,
    title: Any = _UNSET,
    detail: Any = _UNSET,
    due_date: Any = _UNSET,
    goal: Any = _UNSET,
    assignee: Any = _UNSET,
    now: datetime | None = None,
) -> ActionItem:
    """Change what is given (None clears due date and goal). Either side may edit."""
    now = now or timezone.now()
    engagement = item.engagement
    _in_engagement(engagement, actor)
    _writable(engagement)
    changes: dict[str, Any] = {}
    if title is not _UNSET:
        changes["title"] = _text(title, field="title", max_length=TITLE_MAX, required=True)
    if detail is not _UNSET:
        changes["detail"] = _text(detail, field="detail", max_length=DETAIL_MAX)
    person = item.assignee
    if assignee is not _UNSET:
        person = _assignee(engagement, assignee)
        changes["assignee"] = person
    if due_date is not _UNSET:
        changes["due_date"] = _due_date(due_date, assignee=person, now=now, unchanged=item.due_date)
    if goal is not _UNSET:
        changes["goal"] = _goal(engagement, goal)
    with transaction.atomic():
        current = _locked(item)
        moved = "due_date" in changes and changes["due_date"] != current.due_date
        if "assignee" in changes and changes["assignee"].pk != current.assignee_id:
            moved = True  # their zone, their morning: remind them afresh
        for name, value in changes.items():
            setattr(current, name, value)
        if moved:
            current.due_notified_at = None
            current.overdue_notified_at = None
        current.updated_at = now
        current.save()
        if {"title", "detail", "assignee"} & changes.keys():
            _index(current)
        if moved and current.due_date is not None:
            _schedule_reminders(current)
        emit(engagement, "actions", object_id=current.public_id, action="updated")
    return current


def action_item_complete(
    *, actor: Any, item: ActionItem, reflection: str = "", now: datetime | None = None
) -> ActionItem:
    """Mark done, with an optional reflection by the assignee. Either side may mark it done;
    a reflection from the other side is refused (403). Done already: returned unchanged."""
    now = now or timezone.now()
    engagement = item.engagement
    _in_engagement(engagement, actor)
    _writable(engagement)
    reflection = _text(reflection, field="reflection", max_length=REFLECTION_MAX)
    if reflection and actor.pk != item.assignee_id:
        raise NotAllowed(
            "Only the person the item is for writes its reflection.",
            fields={"reflection": ["Only the assignee writes a reflection."]},
        )
    with transaction.atomic():
        current = _locked(item)
        if current.status == ActionItem.Status.DONE:
            return current
        current.status = ActionItem.Status.DONE
        current.done_at = now
        current.reflection = reflection
        current.updated_at = now
        current.save(update_fields=["status", "done_at", "reflection", "updated_at"])
        emit(engagement, "actions", object_id=current.public_id, action="completed")
    return current


def action_item_reopen(*, actor: Any, item: ActionItem, now: datetime | None = None) -> ActionItem:
    """Open again (either side). The reflection belonged to that completion and goes; the
    reminder marks stay, so reopening does not repeat a reminder already sent."""
    now = now or timezone.now()
    engagement = item.engagement
    _in_engagement(engagement, actor)
    _writable(engagement)
    with transaction.atomic():
        current = _locked(item)
        if current.status == ActionItem.Status.OPEN:
            return current
        current.status = ActionItem.Status.OPEN
        current.done_at = None
        current.reflection = ""
        current.updated_at = now
        current.save(update_fields=["status", "done_at", "reflection", "updated_at"])
        if current.due_date is not None:
            _schedule_reminders(current)
        emit(engagement, "actions", object_id=current.public_id, action="reopened")
    return current


def action_item_delete(*, actor: Any, item: ActionItem) -> None:
    """Only the item's creator deletes it (403 for the other side)."""
    engagement = item.engagement
    _in_engagement(engagement, actor)
    _writable(engagement)
    if item.created_by_id != actor.pk:
        raise NotAllowed("Only the person who added this action item can delete it.")
    public_id = item.public_id
    with transaction.atomic():
        search.unindex(kind="action", object_id=item.pk)
        ActionItem.objects.filter(pk=item.pk).delete()
        emit(engagement, "actions", object_id=public_id, action="deleted")
