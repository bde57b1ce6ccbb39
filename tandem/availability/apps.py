from django.apps import AppConfig


class AvailabilityConfig(AppConfig):
    name = "tandem.availability"
    label = "availability"

    def ready(self) -> None:
        # Coaches' pages show when a coach is free and its changes move that time, but
        # coaches sits below availability: it asks through its hook, filled in here.
        from tandem.coaches import availability_hook

        from . import services, slots

        availability_hook.register(
            availability_hook.AvailabilityProvider(
                next_available=slots.next_available_for,
                has_slot_between=slots.has_slot_between,
                slots=slots.slots_for,
                first_slot=slots.first_slot,
                changed=services.schedule_refresh_next_available,
            )
        )
