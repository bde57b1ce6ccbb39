from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "tandem.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        # Booking sits below payments: it reaches payments only through this seam.
        from tandem.booking.services import payments_hook

        from .checkout import booking_port

        # Everything booking needs from money (booking/services/payments_hook.PaymentsPort).
        payments_hook.register(booking_port)
