from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "tandem.realtime"
    label = "realtime"
