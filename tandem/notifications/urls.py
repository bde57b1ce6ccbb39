"""Notification pages: the centre, settings, a coach's reminder times, the push worker."""

from django.urls import path

from . import views, views_settings

urlpatterns = [
    path("notifications/", views.centre, name="notifications"),
    path("notifications/live/", views.centre_live, name="notifications_live"),
    path("notifications/read-all/", views.read_all, name="notifications_read_all"),
    path(
        "notifications/<uuid:notification_id>/open/",
        views.open_notification,
        name="notification_open",
    ),
    # Every notification email links here: keep this URL.
    path("settings/notifications/", views_settings.preferences, name="settings_notifications"),
    path("coach/reminders/", views_settings.coach_reminders, name="coach_reminders"),
    # At the root so the worker's scope is the whole site.
    path("sw.js", views.service_worker, name="service_worker"),
]
