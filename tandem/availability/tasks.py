"""Background work for availability. Tasks take ids, load fresh state, and may run twice."""

from django_tasks import task

# services enqueue these tasks: both sides import the other as a module, never its names, so
# either may be imported first.
from . import services


@task()
def refresh_next_available_task(coach_ids: list[int]) -> None:
    """Recompute CoachProfile.next_available_at for these coaches (idempotent).

    Enqueued on commit by services.schedule_refresh_next_available after a change to what a
    coach can be booked for; the `refresh_next_available` command sweeps the stale rest.
    """
    services.refresh_next_available(coach_ids)
