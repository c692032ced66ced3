"""Secrets that the embedded mode creates once under var/, so that `make run` needs no set-up."""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def read_or_create(path: Path, make: str) -> str:
    """Return the secret stored at ``path``, creating it (mode 0600) on first use.

    Web processes and workers often start together: the secret is written whole to a file of
    its own and then linked into place, so another process sees either no file or the whole
    secret, never an empty one, and the first process to link wins for everyone."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        value = new_secret_key() if make == "secret_key" else new_file_key()
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(value + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            # If another process was first, everyone uses its secret.
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
        finally:
            draft.unlink(missing_ok=True)
    stored = path.read_text(encoding="ascii").strip()
    if not stored:
        raise ImproperlyConfigured(f"{path} is empty: delete it to have a new secret made.")
    return stored


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
