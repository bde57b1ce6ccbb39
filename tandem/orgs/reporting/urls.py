"""Pages of this area (mounted by tandem/orgs/urls.py)."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path(
        "org/programmes/<uuid:programme_id>/",
        views.dashboard,
        name="orgs_programme_dashboard",
    ),
    path("org/programmes/<uuid:programme_id>/roi/", views.roi, name="orgs_roi"),
]
