"""Secure connector variables at rest: Fernet tokens under the keys of MODELER_SECRETS_KEYS.

The first key encrypts, every key decrypts (MultiFernet), so a key is rotated by listing a new
one first and running `manage.py rotate_secrets`, then dropping the old one. Nothing here logs or
returns a value in an error: a token that no key opens is reported by descriptor and name only.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    """A stored token that none of the configured keys opens (a key was dropped too early)."""


def keyring() -> MultiFernet:
    keys = settings.MODELER_SECRETS_KEYS
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def encrypt(value: str) -> str:
    return keyring().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return keyring().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError, UnicodeError):
        raise SecretUnreadable("a stored secure value cannot be decrypted with the configured keys") from None


def rotate(token: str) -> str:
    """The token re-encrypted under the first key (MultiFernet.rotate)."""
    try:
        return keyring().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError, UnicodeError):
        raise SecretUnreadable("a stored secure value cannot be decrypted with the configured keys") from None
