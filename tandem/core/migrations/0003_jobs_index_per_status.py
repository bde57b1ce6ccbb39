"""The reaper's indexes on the job table, one per status it looks for.

0002's single index (status IN ('RUNNING', 'FAILED')) served PostgreSQL, but SQLite's planner
uses a partial index only when the query's own terms match its condition, and `status =
'RUNNING'` does not match an IN list: it scanned the table. Each of these matches the query
that uses it (tandem/core/jobs.py), on both databases, and holds only those few rows.
"""

from django.db import migrations

RUNNING = (
    "CREATE INDEX IF NOT EXISTS core_jobs_running_idx "
    "ON django_tasks_database_dbtaskresult (started_at) WHERE status = 'RUNNING'"
)
FAILED = (
    "CREATE INDEX IF NOT EXISTS core_jobs_failed_idx "
    "ON django_tasks_database_dbtaskresult (exception_class_path) WHERE status = 'FAILED'"
)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_jobs_leases_and_effects")]

    operations = [
        migrations.RunSQL(RUNNING, "DROP INDEX IF EXISTS core_jobs_running_idx"),
        migrations.RunSQL(FAILED, "DROP INDEX IF EXISTS core_jobs_failed_idx"),
        migrations.RunSQL(
            "DROP INDEX IF EXISTS core_jobs_running_failed_idx",
            "CREATE INDEX IF NOT EXISTS core_jobs_running_failed_idx "
            "ON django_tasks_database_dbtaskresult (status, exception_class_path) "
            "WHERE status IN ('RUNNING', 'FAILED')",
        ),
    ]
