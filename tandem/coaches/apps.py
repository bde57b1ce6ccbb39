from django.apps import AppConfig


class CoachesConfig(AppConfig):
    name = "tandem.coaches"
    label = "coaches"
