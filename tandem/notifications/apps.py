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

        # Messaging sits below notifications too: a posted message enqueues our job through
        # messaging's seam, in the message's transaction.
        from tandem.messaging.services import notifications_hook as messaging_hook

        from .tasks import message_posted_task

        messaging_hook.register(posted=message_posted_task.enqueue)
