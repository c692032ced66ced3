from __future__ import annotations

import pytest

from config.secrets import new_file_key, parse_file_keys
from tsunagu.core.encryption import DecryptionError, decrypt, encrypt
from tsunagu.core.filestore import read_decrypted, save_encrypted

OLD, NEW = parse_file_keys("K", f"{new_file_key()},{new_file_key()}")


def test_round_trip_and_no_plain_text_at_rest() -> None:
    blob = encrypt("FAX注文 ①".encode(), keys=[OLD])

    assert "FAX注文".encode() not in blob
    assert decrypt(blob, keys=[OLD]).decode() == "FAX注文 ①"


def test_a_rotated_key_still_reads_old_files() -> None:
    blob = encrypt(b"old", keys=[OLD])

    assert decrypt(blob, keys=[NEW, OLD]) == b"old"
    with pytest.raises(DecryptionError, match="no key"):
        decrypt(blob, keys=[NEW])


def test_a_changed_byte_is_detected() -> None:
    blob = bytearray(encrypt(b"secret", keys=[OLD]))
    blob[-1] ^= 1

    with pytest.raises(DecryptionError, match="changed"):
        decrypt(bytes(blob), keys=[OLD])


def test_the_store_keeps_files_encrypted(settings: object, tmp_path: object) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    name = save_encrypted(b"%PDF-1.4 fax", folder="orders")

    assert b"%PDF" not in (tmp_path / name).read_bytes()  # type: ignore[operator]
    assert read_decrypted(name) == b"%PDF-1.4 fax"
