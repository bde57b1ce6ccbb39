"""Background work of the exports: takes the job's public id, loads fresh state, safe to run
twice (services.export_run claims the job with a conditional UPDATE)."""

from django.utils import timezone
from django_tasks import task

from .services import export_run


@task()
def export_task(job_id: str) -> None:
    """Build the export file of one ProgrammeJob (CSV, XLSX or PDF)."""
    export_run(job_id, now=timezone.now(), clock=timezone.now)
