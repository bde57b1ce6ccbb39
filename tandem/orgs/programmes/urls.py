"""Pages of this area (mounted by tandem/orgs/urls.py)."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("org/", views.home, name="orgs_home"),
    path("org/<uuid:org_id>/", views.organisation, name="orgs_organisation"),
    path("org/<uuid:org_id>/programmes/new/", views.programme_new, name="orgs_programme_new"),
    path(
        "org/programmes/<uuid:programme_id>/settings/",
        views.programme_settings,
        name="orgs_programme_settings",
    ),
    path("org/programmes/<uuid:programme_id>/end/", views.programme_end, name="orgs_programme_end"),
    path("org/programmes/<uuid:programme_id>/budget/", views.budget, name="orgs_budget"),
    path(
        "org/programmes/<uuid:programme_id>/budget/card/<uuid:funding_id>/",
        views.budget_card,
        name="orgs_budget_card",
    ),
]
