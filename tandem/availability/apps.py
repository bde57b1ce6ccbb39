from django.apps import AppConfig


class AvailabilityConfig(AppConfig):
    name = "tandem.availability"
    label = "availability"
