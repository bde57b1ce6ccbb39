"""Re-encrypt every message and attachment with the first key of TANDEM_MESSAGE_KEYS.

Key rotation: 1. put the new key first in TANDEM_MESSAGE_KEYS (keep the old ones after it)
and restart; 2. run this command; 3. drop the old keys and restart. Safe to run while the
site serves and to run again (already-rotated rows are skipped).
"""

from django.core.management.base import BaseCommand

from tandem.messaging.services import rotate_keys


class Command(BaseCommand):
    help = "Re-encrypt messages and attachments with the first TANDEM_MESSAGE_KEYS key."

    def handle(self, *args: object, **options: object) -> None:
        report = rotate_keys()
        self.stdout.write(
            f"messages re-encrypted: {report.messages}; attachments re-encrypted: "
            f"{report.attachments}"
        )
