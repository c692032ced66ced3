from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.accounts.models import Organization
from tsunagu.audit.services import chain_of
from tsunagu.audit.verification import all_chains, verify_chains
from tsunagu.documents.integrity import verify_documents


class Command(BaseCommand):
    help = (
        "Walk the hash chains of the operation log, then check every issued document against "
        "the audit entry of its issue and its stored PDF against the recorded SHA-256. Exit 0 "
        "with the number of entries and documents checked when all is intact; exit 1 naming "
        "the first broken entry of each broken chain and the first document that differs."
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
            organization_ids = [organization.pk]
        else:
            chains = all_chains()
            organization_ids = None
        result = verify_chains(chains)
        documents = verify_documents(organization_ids)
        if result.intact:
            self.stdout.write(
                f"操作ログ: {result.checked}件の記録を確認しました。改ざんはありません。 "
                f"(audit log intact: {result.checked} entries, {len(chains)} chains)"
            )
        for problem in result.breaks:
            entry = f"#{problem.entry_id}" if problem.entry_id is not None else "(end of chain)"
            self.stderr.write(
                f"操作ログが壊れています: 記録 {entry} (chain {problem.chain}, "
                f"sequence {problem.sequence}): {problem.reason}"
            )
        mismatch = documents.mismatch
        if mismatch is None:
            self.stdout.write(
                f"帳票: {documents.checked}件を発行時の記録と照合しました。改ざんはありません。 "
                f"(documents intact: {documents.checked})"
            )
        else:
            self.stderr.write(
                f"帳票が発行時と違います: {mismatch.number} ({mismatch.doc_type}, "
                f"id {mismatch.document_id}): {mismatch.reason}"
            )
        if not result.intact or mismatch is not None:
            broken = [f"{len(result.breaks)} chain(s) broken"] if result.breaks else []
            if mismatch is not None:
                broken.append(f"document {mismatch.number} differs")
            raise CommandError(", ".join(broken), returncode=1)
