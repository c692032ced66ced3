"""Files at rest are encrypted with AES-256-GCM (FILE_ENCRYPTION_KEYS, newest first).

A blob is MAGIC + key id (8 bytes of the key's SHA-256) + nonce (12) + ciphertext with its tag.
The key id lets old files be read after a new key is put first (rotation): keep old keys after
the new one until every file has been re-encrypted.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

MAGIC = b"TSG1"


class DecryptionError(Exception):
    pass


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:8]


def encrypt(data: bytes, *, keys: list[bytes] | None = None) -> bytes:
    key = (keys or settings.FILE_ENCRYPTION_KEYS)[0]
    nonce = os.urandom(12)
    header = MAGIC + _key_id(key)
    return header + nonce + AESGCM(key).encrypt(nonce, data, header)


def decrypt(blob: bytes, *, keys: list[bytes] | None = None) -> bytes:
    if not blob.startswith(MAGIC) or len(blob) < 4 + 8 + 12 + 16:
        raise DecryptionError("not an encrypted file")
    header, nonce, ciphertext = blob[:12], blob[12:24], blob[24:]
    for key in keys or settings.FILE_ENCRYPTION_KEYS:
        if _key_id(key) == header[4:]:
            try:
                return AESGCM(key).decrypt(nonce, ciphertext, header)
            except InvalidTag:
                raise DecryptionError("the file was changed or damaged") from None
    raise DecryptionError("no key for this file: was its key removed from FILE_ENCRYPTION_KEYS?")


def needs_rotation(blob: bytes, *, keys: list[bytes] | None = None) -> bool:
    """True for an encrypted blob that is not under the newest key."""
    newest = (keys or settings.FILE_ENCRYPTION_KEYS)[0]
    return blob.startswith(MAGIC) and blob[4:12] != _key_id(newest)
