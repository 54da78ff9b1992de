"""`manage.py rotate_secrets`: re-encrypt every stored secure value under the first key of
MODELER_SECRETS_KEYS (list the new key first, run this, then drop the old key)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from deployments import secrets, services


class Command(BaseCommand):
    help = "Re-encrypt every secure connector variable under the first key of MODELER_SECRETS_KEYS."

    def handle(self, *args, **options):
        try:
            count = services.secrets_rotate()
        except secrets.SecretUnreadable as exc:
            raise CommandError(
                f"{exc}: nothing was changed. Keep the old key in MODELER_SECRETS_KEYS (after the new one) "
                "until the rotation has run."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"{count} secure values re-encrypted under the first key."))
