from django.urls import path

from . import views

urlpatterns = [
    path("messages/", views.messages_page, name="messages"),
    path("messages/start/", views.message_start, name="messages_start"),
    path("messages/<uuid:conversation_id>/", views.messages_page, name="messages_conversation"),
]
