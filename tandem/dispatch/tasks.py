"""Background work for Book now. Tasks take ids, load fresh state, and may run twice."""

from django_tasks import task

# services (events.py) enqueue this task: both sides import the other as a module, never its
# names, so either may be imported first.
from . import services


@task()
def dispatch_offer_expire_task(offer_id: int) -> None:
    """At an offer's deadline: time it out if nobody answered, and ask the next coach.

    Enqueued with run_after=expires_at in the transaction that made the offer (an outbox).
    The offer is claimed with a conditional UPDATE, so a second run, or a read that timed
    it out first, makes this a no-op.
    """
    services.dispatch_offer_expire(offer_id=offer_id)
