"""Pages of this area (mounted by tandem/orgs/urls.py)."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("org/programmes/<str:programme_id>/exports/", views.exports_page, name="orgs_exports"),
    path("org/jobs/<str:job_id>/export/", views.export_job_page, name="orgs_export_job"),
    path(
        "org/jobs/<str:job_id>/export/download/",
        views.export_download,
        name="orgs_export_download",
    ),
]
