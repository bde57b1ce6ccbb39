"""Re-encrypt every encrypted text column (workspace, booking notes) with the first key of
TANDEM_MESSAGE_KEYS. Rotation: put the new key first (keep the old ones after it), restart,
run this and `rotate_message_keys`, then drop the old keys and restart."""

from django.core.management.base import BaseCommand

from tandem.core.encrypted import rotate_encrypted_text


class Command(BaseCommand):
    help = "Re-encrypt encrypted text columns with the first TANDEM_MESSAGE_KEYS key."

    def handle(self, *args: object, **options: object) -> None:
        for label, count in rotate_encrypted_text().items():
            self.stdout.write(f"{label}: {count} rows re-encrypted")
