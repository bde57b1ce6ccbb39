from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "tandem.payments"
    label = "payments"
    verbose_name = "Payments"
