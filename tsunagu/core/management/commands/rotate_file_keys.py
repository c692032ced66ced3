"""Re-encrypt every stored file under the newest key of FILE_ENCRYPTION_KEYS.

Rotation: put the new key first in FILE_ENCRYPTION_KEYS (keeping the old ones after it), restart,
run this command, then remove the old keys. Each file is rewritten atomically; a file that cannot
be decrypted is named and left as it is.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.core.encryption import DecryptionError, decrypt, encrypt, needs_rotation


def _rewrite(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".rotate-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = "保存ファイルを FILE_ENCRYPTION_KEYS の最新の鍵で暗号化し直します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="書き換えずに、古い鍵のファイルの数だけを表示します(残りがあれば終了コード 1)。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        root = Path(settings.MEDIA_ROOT)
        rotated = current = 0
        failed: list[str] = []
        for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []:
            blob = path.read_bytes()
            if not needs_rotation(blob):
                current += blob.startswith(b"TSG1")
                continue
            if options["check"]:
                rotated += 1
                continue
            try:
                data = decrypt(blob)
            except DecryptionError as error:
                failed.append(f"{path.relative_to(root)}: {error}")
                continue
            _rewrite(path, encrypt(data))
            rotated += 1
        if options["check"]:
            self.stdout.write(f"古い鍵のファイル: {rotated} 件、最新の鍵のファイル: {current} 件")
            if rotated:
                raise CommandError("古い鍵で暗号化されたファイルが残っています。")
            return
        self.stdout.write(f"暗号化し直したファイル: {rotated} 件、もとから最新の鍵: {current} 件")
        if failed:
            for line in failed:
                self.stderr.write(f"復号できません: {line}")
            raise CommandError(f"{len(failed)} 件のファイルを暗号化し直せませんでした。")
