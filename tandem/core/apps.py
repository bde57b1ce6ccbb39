from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tandem.core"
    label = "core"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the public URL and job lease checks)
        from .log_redaction import install_on_server_loggers

        # The web server's access log writes request paths: keep secrets out of it.
        install_on_server_loggers()
