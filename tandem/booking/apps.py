from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "tandem.booking"
    label = "booking"

    def ready(self) -> None:
        # Bookings and holds take a coach's time: availability's loader reads them through
        # its busy-time seam (tandem/availability/busy_time.py), never by importing booking.
        from tandem.availability import busy_time

        from .sql import busy_branches

        busy_time.register(busy_branches)
