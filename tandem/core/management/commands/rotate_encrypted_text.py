"""Re-encrypt every encrypted text column (workspace, booking notes) with the first key of
TANDEM_MESSAGE_KEYS, then rebuild the workspace's blind index under it. Rotation (see
docs/workspace.md): put the new key first (keep the old ones after it), restart, run this and
`rotate_message_keys`, then drop the old keys and restart."""

from django.core.management.base import BaseCommand, CommandError

from tandem.core.encrypted import rotate_encrypted_text


class Command(BaseCommand):
    help = "Re-encrypt encrypted text columns with the first TANDEM_MESSAGE_KEYS key."

    def handle(self, *args: object, **options: object) -> None:
        report = rotate_encrypted_text()
        for label, count in report.rotated.items():
            self.stdout.write(f"{label}: {count} rows re-encrypted")
        for label, count in report.rebuilt.items():
            self.stdout.write(f"{label}: rebuilt for {count} objects")
        if report.undecryptable:
            lost = ", ".join(f"{label}: {n}" for label, n in report.undecryptable.items())
            # Keep the old keys until this is empty: these rows need a key no longer configured.
            raise CommandError(f"rows no configured key decrypts (left unchanged): {lost}")
