"""Private files (order sources, later documents): encrypted on write, decrypted on read."""

from __future__ import annotations

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tsunagu.core.encryption import decrypt, encrypt


def save_encrypted(data: bytes, *, folder: str) -> str:
    """Store `data` encrypted; return the storage name to keep on the record."""
    name = f"private/{folder}/{uuid.uuid4().hex}.bin"
    return default_storage.save(name, ContentFile(encrypt(data)))


def read_decrypted(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return decrypt(handle.read())
