"""Pages of this area (mounted by tandem/orgs/urls.py). The CSV import and domain join
pages are in urls_import.py."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path(
        "org/programmes/<uuid:programme_id>/participants/",
        views.participants,
        name="orgs_participants",
    ),
    path(
        "org/participants/<uuid:participant_id>/move/",
        views.participant_move,
        name="orgs_participant_move",
    ),
    path(
        "org/participants/<uuid:participant_id>/<slug:action>/",
        views.participant_action,
        name="orgs_participant_action",
    ),
    path("programmes/invitations/<str:token>/", views.invitation, name="orgs_invitation"),
]
