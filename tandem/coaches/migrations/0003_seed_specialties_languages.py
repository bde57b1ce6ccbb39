"""The managed lists coaches choose from, and coach profiles for coaches approved earlier.

Staff edit both lists in the admin afterwards; this only seeds them (idempotent: rows that
exist are left as they are). Users approved before coach profiles existed get a verified
profile, as approval gives one now.
"""

import re
import unicodedata
import zoneinfo

from django.db import migrations

SPECIALTIES = [
    ("leadership", "Leadership"),
    ("career", "Career"),
    ("executive", "Executive"),
    ("life", "Life"),
    ("health-wellness", "Health & wellness"),
    ("relationships", "Relationships"),
    ("business", "Business"),
    ("mindfulness", "Mindfulness"),
    ("communication", "Communication"),
    ("productivity", "Productivity"),
    ("parenting", "Parenting"),
    ("confidence", "Confidence"),
    ("stress-burnout", "Stress & burnout"),
    ("life-transitions", "Life transitions"),
    ("team", "Team coaching"),
    ("interview", "Interview preparation"),
    ("financial-wellbeing", "Financial wellbeing"),
    ("creativity", "Creativity"),
]

LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("de", "German"),
    ("it", "Italian"),
    ("pt", "Portuguese"),
    ("nl", "Dutch"),
    ("sv", "Swedish"),
    ("no", "Norwegian"),
    ("da", "Danish"),
    ("fi", "Finnish"),
    ("pl", "Polish"),
    ("el", "Greek"),
    ("tr", "Turkish"),
    ("ru", "Russian"),
    ("uk", "Ukrainian"),
    ("ar", "Arabic"),
    ("he", "Hebrew"),
    ("hi", "Hindi"),
    ("zh", "Chinese"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
]


def seed_lists(apps, schema_editor):
    Specialty = apps.get_model("coaches", "Specialty")
    Language = apps.get_model("coaches", "Language")
    for slug, name in SPECIALTIES:
        if (
            not Specialty.objects.filter(slug=slug).exists()
            and not Specialty.objects.filter(name=name).exists()
        ):
            Specialty.objects.create(slug=slug, name=name)
    for code, name in LANGUAGES:
        Language.objects.get_or_create(code=code, defaults={"name": name})


def _slug_base(name):
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50].strip("-")
    return base if len(base) >= 3 else f"coach-{base}".strip("-")


def backfill_profiles(apps, schema_editor):
    CoachApplication = apps.get_model("accounts", "CoachApplication")
    CoachProfile = apps.get_model("coaches", "CoachProfile")
    zones = zoneinfo.available_timezones()
    approved = CoachApplication.objects.filter(status="approved").select_related("user")
    for application in approved:
        user = application.user
        if CoachProfile.objects.filter(user=user).exists():
            continue
        base = _slug_base(user.display_name or user.email.split("@", 1)[0])
        slug, n = base, 2
        while CoachProfile.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        CoachProfile.objects.create(
            user=user,
            slug=slug,
            headline=application.headline[:200],
            credentials=application.credentials,
            timezone=user.timezone if user.timezone in zones else "UTC",
            is_verified=True,
        )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            """
            UPDATE coaches_coachprofile AS cp SET search_vector =
                setweight(to_tsvector('english',
                    coalesce(u.display_name, '') || ' ' || coalesce(cp.headline, '')), 'A')
                || setweight(to_tsvector('english', coalesce((
                    SELECT string_agg(s.name, ' ') FROM coaches_specialty s
                    JOIN coaches_coachprofile_specialties cs ON cs.specialty_id = s.id
                    WHERE cs.coachprofile_id = cp.id), '')), 'B')
                || setweight(to_tsvector('english', coalesce(cp.bio, '')), 'C')
            FROM accounts_user AS u
            WHERE u.id = cp.user_id AND cp.search_vector IS NULL
            """
        )


class Migration(migrations.Migration):
    dependencies = [
        ("coaches", "0002_search_vector"),
        ("accounts", "0002_coach_application_credentials"),
    ]

    operations = [
        migrations.RunPython(seed_lists, migrations.RunPython.noop),
        migrations.RunPython(backfill_profiles, migrations.RunPython.noop),
    ]
