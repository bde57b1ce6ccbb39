from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "tandem.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        # Booking sits below payments: it reaches payments only through these seams.
        from tandem.booking.services import payments_hook, sweep

        from .checkout import booking_port
        from .packages.services import packages_expire

        # Everything booking needs from money (booking/services/payments_hook.PaymentsPort).
        payments_hook.register(booking_port)
        # The booking sweep expires packages too (docs/payments.md, "Expiry").
        sweep.register_step("packages_expired", lambda now: packages_expire(now=now))
