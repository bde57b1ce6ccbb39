"""The directory's full-text search column, GIN-indexed on PostgreSQL only.

The column exists on every database (on SQLite it stays empty and search uses icontains);
the GIN index cannot be expressed portably, so it is created by RunPython when the
connection is PostgreSQL and skipped elsewhere.
"""

import django.contrib.postgres.search
from django.db import migrations

INDEX = "coach_search_vector_gin"


def create_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name("coaches_coachprofile")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} USING gin (search_vector)"
    )


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("coaches", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="coachprofile",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(
                blank=True, editable=False, null=True
            ),
        ),
        migrations.RunPython(create_gin_index, drop_gin_index, elidable=False),
    ]
