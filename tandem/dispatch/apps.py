from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "tandem.dispatch"
    label = "dispatch"
    verbose_name = "Book now (dispatch)"
