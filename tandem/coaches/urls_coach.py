"""The coach's own pages (mounted at /coach/) and the staff review queue (at /staff/)."""

from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path, re_path

from . import views_coach as views

coach_patterns: list[URLPattern | URLResolver] = [
    path("profile/", views.coach_profile, name="coach_profile"),
    path("profile/photo/", views.coach_profile_photo, name="coach_profile_photo"),
    path(
        "profile/photo/remove/",
        views.coach_profile_photo_remove,
        name="coach_profile_photo_remove",
    ),
    path("profile/active/", views.coach_profile_active, name="coach_profile_active"),
    path("session-types/", views.session_types, name="coach_session_types"),
    path("session-types/new/", views.session_type_new, name="coach_session_type_new"),
    path(
        "session-types/<uuid:session_type_id>/",
        views.session_type_edit,
        name="coach_session_type_edit",
    ),
    path(
        "session-types/<uuid:session_type_id>/active/",
        views.session_type_active,
        name="coach_session_type_active",
    ),
    path(
        "session-types/<uuid:session_type_id>/delete/",
        views.session_type_delete,
        name="coach_session_type_delete",
    ),
    path("availability/", include("tandem.availability.urls")),
]

staff_patterns: list[URLPattern | URLResolver] = [
    path(
        "coach-applications/",
        views.staff_coach_applications,
        name="staff_coach_applications",
    ),
    path(
        "coach-applications/<uuid:application_id>/decide/",
        views.staff_coach_application_decide,
        name="staff_coach_application_decide",
    ),
    path(
        "coach-applications/<uuid:application_id>/certificate/",
        views.staff_coach_application_certificate,
        name="staff_coach_application_certificate",
    ),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("coach/", include(coach_patterns)),
    path("staff/", include(staff_patterns)),
]

if settings.MEDIA_URL == "/media/":
    # Local file storage: the app serves coach photos itself (and nothing else under media/).
    urlpatterns.append(
        re_path(
            r"^media/coaches/photos/(?P<name>[A-Za-z0-9_-]+\.(?:jpg|png|webp))$", views.coach_photo
        )
    )
