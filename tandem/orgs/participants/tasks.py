"""Background work of the participants area. Tasks take ids, load fresh state and are safe to
run twice (the import's job row is claimed and finished by conditional updates)."""

from django_tasks import task

from .imports import import_run


@task()
def import_csv_task(job_id: int) -> None:
    """Check an uploaded participant CSV row by row and, when every row is good, invite
    everyone (one transaction); the job row carries the progress and the per-row errors."""
    import_run(job_id)
