"""System checks of the secrets keys: each must be a Fernet key; the development key is warned about."""

from __future__ import annotations

from cryptography.fernet import Fernet
from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def secrets_keys(app_configs, **kwargs):
    found = []
    for index, key in enumerate(getattr(settings, "MODELER_SECRETS_KEYS", [])):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            found.append(
                checks.Error(
                    f"MODELER_SECRETS_KEYS: key number {index + 1} is not a Fernet key "
                    "(32 url-safe base64-encoded bytes)",
                    hint='Make one with: python -c "from cryptography.fernet import Fernet; '
                    'print(Fernet.generate_key().decode())"',
                    id="deployments.E001",
                )
            )
    return found


@checks.register(checks.Tags.security, deploy=True)
def development_key(app_configs, **kwargs):
    """Only `check --deploy` says it: in development the fixed key is the expected default, and
    a warning on every manage.py command (bin/serve included) teaches people to ignore warnings."""
    found = []
    if getattr(settings, "MODELER_SECRETS_DEVELOPMENT_KEY", False):
        found.append(
            checks.Warning(
                "MODELER_SECRETS_KEYS is not set: secure connector variables are encrypted with the "
                "fixed development key, which is public.",
                hint="Set MODELER_SECRETS_KEYS (required when MODELER_ENV=production).",
                id="deployments.W001",
            )
        )
    return found
