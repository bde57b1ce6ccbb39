"""Background work for the workspace. Tasks take ids (or nothing), load fresh state, and are
safe to run twice."""

from django_tasks import task

from .services.action_reminders import action_reminders_scan


@task()
def action_reminders_task() -> None:
    """Send the action-item reminders due now (enqueued for the moment an item's reminder
    falls due; each reminder is claimed by a conditional UPDATE, so reruns send nothing)."""
    action_reminders_scan()
