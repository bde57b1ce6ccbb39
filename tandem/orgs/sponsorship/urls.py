"""Pages of this area (mounted by tandem/orgs/urls.py)."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("programmes/", views.my_programmes, name="orgs_my_programmes"),
    path("programmes/<uuid:participant_id>/", views.seat, name="orgs_seat"),
    path("programmes/<uuid:participant_id>/coach/", views.seat_coach, name="orgs_seat_coach"),
    path(
        "programmes/<uuid:participant_id>/survey/<str:phase>/",
        views.seat_survey,
        name="orgs_seat_survey",
    ),
    path(
        "programmes/<uuid:participant_id>/what-my-sponsor-sees/",
        views.seat_sponsor_view,
        name="orgs_seat_sponsor_view",
    ),
]
