"""Secrets that the embedded mode creates once under var/, so that `make run` needs no set-up."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def read_or_create(path: Path, make: str) -> str:
    """Return the secret stored at ``path``, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = new_secret_key() if make == "secret_key" else new_file_key()
    # O_EXCL: two processes starting together must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    return value


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def new_file_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def parse_file_keys(name: str, value: str) -> list[bytes]:
    """Decode comma-separated url-safe base64 AES-256 keys; the first one encrypts new files."""
    keys = []
    for position, item in enumerate(value.split(","), start=1):
        item = item.strip()
        try:
            key = base64.urlsafe_b64decode(item.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            key = b""
        if len(key) != 32:
            raise ImproperlyConfigured(
                f"{name}: key {position} is not 32 bytes of url-safe base64 "
                '(make one with: python -c "import base64,os;'
                'print(base64.urlsafe_b64encode(os.urandom(32)).decode())").'
            )
        keys.append(key)
    if not keys:
        raise ImproperlyConfigured(f"{name} is empty: expected at least one key.")
    return keys
