"""Background work for notifications. Tasks take ids, load fresh state, and may run twice."""

from django_tasks import task

from .services.messages import message_posted


@task()
def message_posted_task(message_id: int) -> None:
    """Tell a new message's other participants (per their preferences)."""
    message_posted(message_id)
