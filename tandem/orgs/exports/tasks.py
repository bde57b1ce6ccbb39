"""Background work of the exports: takes the job's public id, loads fresh state, safe to run
twice (services.export_run claims the job with a conditional UPDATE)."""

from django.utils import timezone
from django_tasks import task

from .retention import exports_expire
from .services import export_run


@task()
def export_task(job_id: str) -> None:
    """Build the export file of one ProgrammeJob (CSV, XLSX or PDF)."""
    export_run(job_id, now=timezone.now(), clock=timezone.now)


@task()
def exports_expire_task() -> None:
    """Delete the export files whose retention has ended (all that are due: a job per
    finished export, each finding its own file and any other due one; safe twice)."""
    exports_expire(now=timezone.now())
