"""Package pages: /coach/packages/... (the coach's offers) and /packages/... (clients)."""

from django.urls import path

from . import views

urlpatterns = [
    path("coach/packages/", views.coach_packages, name="coach_packages"),
    path("coach/packages/new/", views.coach_package_new, name="coach_package_new"),
    path("coach/packages/<uuid:offer_id>/", views.coach_package_edit, name="coach_package_edit"),
    path(
        "coach/packages/<uuid:offer_id>/active/",
        views.coach_package_active,
        name="coach_package_active",
    ),
    path("packages/", views.my_packages, name="my_packages"),
    path("packages/<uuid:offer_id>/buy/", views.buy, name="package_buy"),
    path("packages/purchase/<uuid:purchase_id>/", views.purchase, name="package_purchase"),
]
