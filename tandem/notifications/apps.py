from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tandem.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Booking sits below notifications: it reaches notifications only through this seam.
        from tandem.booking.services import notifications_hook

        from .services.bookings import booking_changed, wants_booking_email

        notifications_hook.register(changed=booking_changed, wants_email=wants_booking_email)
