from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "tandem.workspace"
    label = "workspace"
    verbose_name = "Coaching workspace"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Action-item reminders ride along with the periodic booking sweep (booking's seam for
        # the apps above it); their on-time jobs are enqueued by the items themselves.
        from tandem.booking.services.sweep import register_step

        from . import (
            receivers,  # noqa: F401  (booking's signals start engagements)
            rotation,  # noqa: F401  (key rotation rebuilds the blind index)
        )
        from .services.action_reminders import sweep_step
        from .services.engagements import engagements_reconcile

        register_step("action_item_reminders", sweep_step)
        # A booking whose engagement start was lost (a crash after its commit) gets it here.
        register_step("engagements_started", lambda now: engagements_reconcile(now=now))
