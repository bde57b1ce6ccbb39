from django.urls import path

from . import views

urlpatterns = [
    path("settings/", views.settings_profile, name="settings_profile"),
    path("settings/tokens/", views.settings_tokens, name="settings_tokens"),
    path(
        "settings/tokens/<uuid:token_id>/revoke/",
        views.settings_token_revoke,
        name="settings_token_revoke",
    ),
    path("settings/coach/", views.settings_coach, name="settings_coach"),
]
