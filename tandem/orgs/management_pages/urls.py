"""Pages of this area (mounted by tandem/orgs/urls.py)."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("staff/organisations/", views.staff_organisations, name="staff_organisations"),
    path(
        "staff/organisations/<str:org_id>/",
        views.staff_organisation,
        name="staff_organisation",
    ),
    path(
        "staff/organisations/<str:org_id>/admins/<str:user_id>/remove/",
        views.staff_organisation_admin_remove,
        name="staff_organisation_admin_remove",
    ),
    path("org/<str:org_id>/reminders/", views.org_reminders, name="orgs_reminders"),
]
