from django.urls import path

from . import views_book, views_calendar, views_sessions

urlpatterns = [
    # --- Calendar feed and its settings page (issue 4, calendar) ---------------------------
    path("calendar/<str:token>.ics", views_calendar.calendar_feed, name="calendar_feed"),
    path("settings/calendar/", views_calendar.settings_calendar, name="settings_calendar"),
    path(
        "settings/calendar/regenerate/",
        views_calendar.settings_calendar_regenerate,
        name="settings_calendar_regenerate",
    ),
    # --- Booking pages (issue 4, pages): wizard, My sessions, session detail and changes ------
    path("book/<str:slug>/", views_book.book, name="book"),
    path("book/<str:slug>/hold/", views_book.book_hold, name="book_hold"),
    path("book/<str:slug>/review/<uuid:hold_id>/", views_book.book_review, name="book_review"),
    path("sessions/", views_sessions.sessions, name="sessions"),
    path("sessions/live/", views_sessions.sessions_live, name="sessions_live"),
    path("sessions/<uuid:booking_id>/", views_sessions.session_detail, name="session_detail"),
    path(
        "sessions/<uuid:booking_id>/calendar.ics",
        views_sessions.session_calendar,
        name="session_calendar",
    ),
    path(
        "sessions/<uuid:booking_id>/accept/", views_sessions.session_accept, name="session_accept"
    ),
    path(
        "sessions/<uuid:booking_id>/decline/",
        views_sessions.session_decline,
        name="session_decline",
    ),
    path(
        "sessions/<uuid:booking_id>/complete/",
        views_sessions.session_complete,
        name="session_complete",
    ),
    path(
        "sessions/<uuid:booking_id>/no-show/",
        views_sessions.session_no_show,
        name="session_no_show",
    ),
    path(
        "sessions/<uuid:booking_id>/reschedule/",
        views_sessions.session_reschedule,
        name="session_reschedule",
    ),
    path(
        "sessions/<uuid:booking_id>/cancel/", views_sessions.session_cancel, name="session_cancel"
    ),
    path(
        "sessions/<uuid:booking_id>/cancelled/",
        views_sessions.session_cancelled,
        name="session_cancelled",
    ),
    # --- end of booking pages -----------------------------------------------------------------
]
