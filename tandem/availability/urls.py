"""The coach's availability editor, mounted at /coach/availability/ (see coaches.urls_coach)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.availability_edit, name="coach_availability"),
    path("preview/", views.availability_preview, name="coach_availability_preview"),
]
