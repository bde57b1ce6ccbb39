from django.urls import path

from tandem.core.consumers import HealthConsumer
from tandem.realtime.consumers import EventsConsumer

websocket_urlpatterns = [
    path("ws/health", HealthConsumer.as_asgi()),
    path("ws/events", EventsConsumer.as_asgi()),
]
