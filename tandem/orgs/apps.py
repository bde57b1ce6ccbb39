from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "tandem.orgs"
    label = "orgs"

    def ready(self) -> None:
        from tandem.accounts.models import Role
        from tandem.accounts.roles import register_role_condition

        from .selectors import administers_an_organisation

        # An admin membership makes an org admin (accounts.selectors.user_roles asks this).
        register_role_condition(Role.ORG_ADMIN.value, administers_an_organisation)

        # Checkout asks orgs through this port whether a programme pays for a session.
        from tandem.payments.sponsors import port as sponsors

        from .sponsorship.port import sponsor_port

        sponsors.register(sponsor_port)

        # The booking sweep deletes export files past TANDEM_ORGS_EXPORT_KEEP_DAYS (booking's
        # seam for the apps above it; docs/orgs.md, "Reports and exports").
        from tandem.booking.services.sweep import register_step

        from .exports.retention import exports_expire

        register_step("org_exports_expired", lambda now: exports_expire(now=now))
