"""The promise in the database: no two active bookings of a coach overlap (PostgreSQL).

Half-open ranges ('[)') so back-to-back bookings are allowed; only pending and confirmed
bookings take part. SQLite has no exclusion constraints: there the services check and
insert inside one IMMEDIATE transaction (the database's single write lock).
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE booking_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
    coach_id WITH =,
    tstzrange(blocked_start, blocked_end, '[)') WITH &&
) WHERE (status IN ('pending', 'confirmed'));
"""
DROP = "ALTER TABLE booking_booking DROP CONSTRAINT IF EXISTS booking_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("booking", "0002_lifecycle")]

    operations = [migrations.RunPython(create, drop)]
