from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "tandem.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        # Booking sits below payments: it reaches payments only through this seam.
        from tandem.booking.services import payments_hook

        from .checkout.refunds import on_booking_settle
        from .checkout.services import on_booked
        from .documents.services import on_booking_moved

        payments_hook.register(booked=on_booked, settle=on_booking_settle, moved=on_booking_moved)
