from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/sessions/", views.dashboard_sessions, name="dashboard_sessions"),
]
