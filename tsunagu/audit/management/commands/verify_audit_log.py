from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.accounts.models import Organization
from tsunagu.audit.services import chain_of
from tsunagu.audit.verification import all_chains, verify_chains


class Command(BaseCommand):
    help = (
        "Walk the hash chains of the operation log. Exit 0 with the number of entries checked when "
        "every chain is intact; exit 1 naming the first broken entry of each broken chain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--supplier", metavar="CODE", help="check only this organization's chain"
        )

    def handle(self, *args: Any, supplier: str | None = None, **options: Any) -> None:
        if supplier:
            organization = Organization.objects.filter(code=supplier).first()
            if organization is None:
                raise CommandError(f"組織コード {supplier} の組織はありません。")
            chains = [chain_of(organization)]
        else:
            chains = all_chains()
        result = verify_chains(chains)
        if result.intact:
            self.stdout.write(
                f"操作ログ: {result.checked}件の記録を確認しました。改ざんはありません。 "
                f"(audit log intact: {result.checked} entries, {len(chains)} chains)"
            )
            return
        for problem in result.breaks:
            entry = f"#{problem.entry_id}" if problem.entry_id is not None else "(end of chain)"
            self.stderr.write(
                f"操作ログが壊れています: 記録 {entry} (chain {problem.chain}, "
                f"sequence {problem.sequence}): {problem.reason}"
            )
        raise CommandError(f"{len(result.breaks)} chain(s) broken", returncode=1)
