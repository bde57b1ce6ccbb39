from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The signed-in user's home: the dashboard and the navigation, composed from every
    app's selectors. A top-layer app: it may read any app below it, none reads it."""

    name = "tandem.home"
    label = "home"
    verbose_name = "Home (dashboard and navigation)"
