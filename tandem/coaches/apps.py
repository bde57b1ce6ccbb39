from django.apps import AppConfig


class CoachesConfig(AppConfig):
    name = "tandem.coaches"
    label = "coaches"

    def ready(self) -> None:
        from . import receivers

        # Follow accounts' domain signals: profile changes and approved applications.
        receivers.connect()
