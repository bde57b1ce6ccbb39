from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tandem.accounts"
    label = "accounts"

    def ready(self) -> None:
        from tandem.realtime.auth import register_token_authenticator

        from .services import api_token_authenticate

        # The WebSocket, SSE and long-poll transports accept the same API tokens as the API.
        register_token_authenticator(api_token_authenticate)
