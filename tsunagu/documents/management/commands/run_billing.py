from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tsunagu.accounts.models import Organization
from tsunagu.customers.models import Customer
from tsunagu.documents import billing
from tsunagu.documents.models import Document


class Command(BaseCommand):
    help = (
        "締め処理: issue one periodic invoice (合計請求書) per active customer whose closing day "
        "falls on --closing-date, for the orders delivered in (previous closing date, closing "
        "date], with the previous balance, the payments received and the carry-over. Running "
        "again issues nothing new: the invoices already issued are printed with created false. "
        "With --json, one JSON object per invoice per line. A date on which no customer closes "
        "is not an error: the message goes to stderr with --json (stdout stays JSON lines) and "
        "the exit status is 0. A closing date after today is refused unless --allow-future is "
        "given with --reason (recorded in the audit log). Exit 1 on bad input or when a "
        "customer could not be billed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--supplier", required=True, metavar="CODE", help="the supplier's organization code"
        )
        parser.add_argument(
            "--closing-date", required=True, metavar="YYYY-MM-DD", help="the closing date (締日)"
        )
        parser.add_argument(
            "--customer", metavar="CODE", help="bill only this customer (得意先コード)"
        )
        parser.add_argument(
            "--json", action="store_true", help="print one JSON object per invoice per line"
        )
        parser.add_argument(
            "--allow-future",
            action="store_true",
            help=(
                "bill a closing date that has not come yet (refused otherwise, as on the billing "
                "page: deliveries still to come in the period would miss the invoice); needs "
                "--reason, which is recorded in the audit log"
            ),
        )
        parser.add_argument(
            "--reason", default="", help="why a future closing date is billed (--allow-future)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        supplier = Organization.objects.filter(code=options["supplier"], is_supplier=True).first()
        if supplier is None:
            raise CommandError(
                f"受注企業 {options['supplier']} はありません。組織コードを確かめてください。"
            )
        try:
            closing_date = date.fromisoformat(options["closing_date"])
        except ValueError:
            raise CommandError(
                f"締日 {options['closing_date']} は日付ではありません。"
                "YYYY-MM-DD (例: 2026-11-30) で指定してください。"
            ) from None
        today = timezone.localdate()
        if closing_date > today and not options["allow_future"]:
            raise CommandError(
                f"締日 {closing_date.isoformat()} はまだ来ていません (今日は {today.isoformat()})。"
                "締日の前に発行すると、それまでに届く納品が請求書から漏れます。"
                "締日の当日以降に実行してください。どうしても発行するときは "
                '--allow-future --reason "理由" を付けてください (理由は操作ログに残ります)。'
            )
        if options["allow_future"] and not options["reason"].strip():
            raise CommandError("--allow-future には --reason で理由を付けてください。")
        customer = None
        if options["customer"]:
            customer = (
                Customer.objects.filter(supplier=supplier, customer_code=options["customer"])
                .select_related("supplier")
                .first()
            )
            if customer is None:
                raise CommandError(
                    f"得意先コード {options['customer']} の得意先は {supplier.code} にありません。"
                )
            if not billing.is_closing_date(closing_date, customer.closing_day):
                next_date = billing.next_closing_date(closing_date, customer.closing_day)
                raise CommandError(
                    f"得意先 {customer.customer_code} ({customer.terms_label}) の締日は "
                    f"{closing_date.isoformat()} ではありません "
                    f"(次の締日: {next_date.isoformat()})。"
                )
        try:
            result = billing.run_billing(
                supplier,
                closing_date=closing_date,
                customer=customer,
                future_reason=options["reason"] if options["allow_future"] else "",
            )
        except billing.BillingError as error:
            raise CommandError(str(error)) from None

        if result.closing_customers == 0:
            message = (
                f"{closing_date.isoformat()} が締日の得意先はありません。請求書は発行していません。"
            )
            (self.stderr if options["json"] else self.stdout).write(message)
            return
        for document, created in result:
            if options["json"]:
                summary = billing.invoice_summary(document, created=created)
                self.stdout.write(json.dumps(summary, ensure_ascii=False))
            else:
                self.stdout.write(_text_line(document, created=created))
        for problem in result.problems:
            self.stderr.write(f"発行できませんでした: {problem.as_text()}")
        if not options["json"]:
            reused = len(result) - result.created_count
            self.stdout.write(
                f"締日 {closing_date.isoformat()}: 新規発行 {result.created_count}件 / "
                f"発行済み {reused}件 / 発行できず {len(result.problems)}件"
            )
        if result.problems:
            raise CommandError(
                f"{len(result.problems)}件の得意先に請求書を発行できませんでした。", returncode=1
            )


def _text_line(document: Document, *, created: bool) -> str:
    state = "新規発行" if created else "発行済み"
    start, end = document.period_start, document.period_end
    period = f"{start.isoformat() if start else ''}〜{end.isoformat() if end else ''}"
    return (
        f"{document.number} {document.customer.customer_code} {document.customer.name} "
        f"期間 {period} 前回請求 ¥{document.previous_balance:,} 入金 ¥{document.payments:,} "
        f"今回お買上 ¥{document.total:,} 今回請求額 ¥{document.amount_due:,} ({state})"
    )
