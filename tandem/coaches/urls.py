"""Public coach pages: the directory and a coach's page with its slot picker."""

from django.urls import path

from . import views

urlpatterns = [
    path("coaches/", views.directory, name="coach_directory"),
    path("c/<slug:slug>/", views.coach_public, name="coach_public"),
    path("c/<slug:slug>/slots", views.coach_slots, name="coach_slots"),
]
