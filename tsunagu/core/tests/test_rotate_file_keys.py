"""rotate_file_keys re-encrypts stored files under the newest key, atomically and completely."""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from tsunagu.core.encryption import DecryptionError, decrypt, encrypt


def _key() -> bytes:
    return os.urandom(32)


def test_rotation_moves_every_file_to_the_newest_key(tmp_path: Path) -> None:
    old, new = _key(), _key()
    (tmp_path / "private" / "documents").mkdir(parents=True)
    first = tmp_path / "private" / "documents" / "a.bin"
    second = tmp_path / "photo.jpg"
    plain = tmp_path / "readme.txt"
    first.write_bytes(encrypt(b"invoice PDF", keys=[old]))
    second.write_bytes(encrypt(b"photo", keys=[old]))
    plain.write_bytes(b"not encrypted")

    with override_settings(MEDIA_ROOT=tmp_path, FILE_ENCRYPTION_KEYS=[new, old]):
        with pytest.raises(CommandError):
            call_command("rotate_file_keys", "--check", stdout=StringIO())
        call_command("rotate_file_keys", stdout=StringIO())
        call_command("rotate_file_keys", "--check", stdout=StringIO())

    assert decrypt(first.read_bytes(), keys=[new]) == b"invoice PDF"
    assert decrypt(second.read_bytes(), keys=[new]) == b"photo"
    assert plain.read_bytes() == b"not encrypted"
    with pytest.raises(DecryptionError):
        decrypt(first.read_bytes(), keys=[old])
    assert not list(tmp_path.rglob(".rotate-*"))


def test_a_file_whose_key_is_gone_is_named_and_left_alone(tmp_path: Path) -> None:
    lost, new = _key(), _key()
    blob = encrypt(b"secret", keys=[lost])
    (tmp_path / "x.bin").write_bytes(blob)
    errors = tmp_path / "errors.txt"

    with (
        override_settings(MEDIA_ROOT=tmp_path, FILE_ENCRYPTION_KEYS=[new]),
        errors.open("w") as stderr,
        pytest.raises(CommandError),
    ):
        call_command("rotate_file_keys", stdout=StringIO(), stderr=stderr)

    assert (tmp_path / "x.bin").read_bytes() == blob
    assert "x.bin" in errors.read_text()
