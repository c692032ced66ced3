"""Private files (order sources, later documents): encrypted on write, decrypted on read."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from tsunagu.core.encryption import decrypt, encrypt


def save_encrypted(data: bytes, *, folder: str) -> str:
    """Store `data` encrypted; return the storage name to keep on the record."""
    name = f"private/{folder}/{uuid.uuid4().hex}.bin"
    return default_storage.save(name, ContentFile(encrypt(data)))


def read_decrypted(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return decrypt(handle.read())


class EncryptedStorage(FileSystemStorage):
    """Uploaded files (product photos, logos) written encrypted and read back decrypted."""

    def _save(self, name: str, content: File) -> str:
        data = content.read()
        return super()._save(name, ContentFile(encrypt(data)))  # type: ignore[misc]

    def _open(self, name: str, mode: str = "rb") -> File:
        with super()._open(name, "rb") as handle:  # type: ignore[misc]
            blob = handle.read()
        return ContentFile(decrypt(blob), name=name)


def encrypted_storage() -> EncryptedStorage:
    """For FileField(storage=...): a callable, so the migration does not freeze a path."""
    return EncryptedStorage(location=settings.MEDIA_ROOT)
