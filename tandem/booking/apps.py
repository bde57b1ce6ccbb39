from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "tandem.booking"
    label = "booking"
