"""The benchmark scenarios, each measured beside its floor in the same run (docs/benchmarks.md).

Every function returns Figures; `run_all` prints each as `name: value unit` as soon as it is known.
The database is the one bench_seed filled; HTTP goes through gunicorn on a loopback port.
"""

from __future__ import annotations

import csv
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tsunagu.accounts.models import Membership, Organization
from tsunagu.bench.generate import BENCH_PASSWORD, RawRows
from tsunagu.bench.http import Browser, Response, WebServer, median, p95
from tsunagu.catalog.models import Product
from tsunagu.core.ids import uuid7
from tsunagu.customers.models import Customer
from tsunagu.documents import pdf
from tsunagu.documents.models import Document, DocumentType
from tsunagu.ordering.models import Order, OrderLine, OrderStatus
from tsunagu.ordering.rules import delivery_choices

_UNUSUAL_OK = re.compile(rb'name="unusual_ok" value="(\w+)"')
MAIN = "bench-s01"
TINY = "tiny-s01"
BILLING = "billing-s01"
IMPORT = "import-s01"
ORDER_LINES = 30


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str

    @property
    def text(self) -> str:
        if self.unit == "ratio":
            return f"{self.value:.2f}"
        if self.unit in {"count", "bool"} or float(self.value).is_integer():
            return f"{self.value:.0f}"
        return f"{self.value:.1f}"

    def __str__(self) -> str:
        return f"{self.name}: {self.text} {self.unit}"


Emit = Callable[[Figure], None]


def ratio(name: str, scenario: float, floor: float) -> Figure:
    return Figure(f"{name}_ratio", scenario / floor if floor else 0.0, "ratio")


def _ms(seconds: list[float]) -> list[float]:
    return [s * 1000 for s in seconds]


# ---- HTTP: the floor, sending orders, the inbox, the search ---------------------------------


def minimal_view(server: WebServer, emit: Emit, *, requests: int = 200) -> float:
    browser = Browser(server.port)
    times = [browser.get("/bench/minimal/").seconds for _ in range(requests)]
    value = p95(_ms(times))
    emit(Figure("minimal_view_p95_ms", value, "ms"))
    return value


@dataclass
class BuyerPlan:
    """What one buyer sends: its login, supplier, location, date and products."""

    email: str
    supplier_code: str
    location_id: str
    delivery_date: date
    product_ids: list[str]


def buyer_plans(count: int, *, supplier_code: str = MAIN) -> list[BuyerPlan]:
    supplier = Organization.objects.get(code=supplier_code)
    memberships = (
        Membership.objects.filter(
            organization__supplier_accounts__supplier=supplier,
            user__email__startswith="owner@",
        )
        .select_related("user", "organization")
        .order_by("user__email")[:count]
    )
    products = [
        str(pk)
        for pk in Product.objects.filter(
            supplier=supplier,
            is_active=True,
            sold_by_piece=True,
            min_quantity=1,
            order_multiple=1,
            stock__isnull=True,
            visibility=Product.Visibility.ALL,
        )
        .order_by("product_code")
        .values_list("pk", flat=True)[:300]
    ]
    plans = []
    now = timezone.now()
    for membership in memberships:
        customer = (
            Customer.objects.filter(supplier=supplier, buyer=membership.organization)
            .select_related("supplier")
            .get()
        )
        location = customer.locations.get(is_default=True)
        plans.append(
            BuyerPlan(
                email=membership.user.email,
                supplier_code=supplier_code,
                location_id=str(location.pk),
                delivery_date=delivery_choices(customer, now=now)[0].day,
                product_ids=products,
            )
        )
    return plans


def order_fields(plan: BuyerPlan, rng: random.Random, key: str) -> list[tuple[str, str]]:
    """The confirmation form as the buyer's browser sends it."""
    fields = [
        ("source", "again"),
        ("idempotency_key", key),
        ("location", plan.location_id),
        ("delivery_date", plan.delivery_date.isoformat()),
        ("note", ""),
    ]
    # Up to 9 pieces a line: 10 times what the buyer usually takes (1 or more) would be an
    # unusual order, which asks "are you sure?" instead of sending (ordering.rules.unusual).
    for product_id in rng.sample(plan.product_ids, ORDER_LINES):
        fields += [
            ("line_product", product_id),
            ("line_unit", "piece"),
            ("line_quantity", str(rng.randint(1, 9))),
            ("line_note", ""),
            ("line_price", ""),
        ]
    return fields


def unusual_confirmed(answer: Response, fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The fields again with the box ticked when the answer asks "are you sure?" (an order far
    above this buyer's usual subtotal: ordering.rules.unusual), as the person would send them
    next; else nothing."""
    found = _UNUSUAL_OK.search(answer.body) if answer.status == 400 else None
    return [*fields, ("unusual_ok", found.group(1).decode())] if found else []


def send_orders(
    browser: Browser, plan: BuyerPlan, count: int, rng: random.Random
) -> tuple[list[float], list[str]]:
    """Send `count` orders; return the seconds of each and the order pages they led to."""
    times, pages = [], []
    path = f"/buyer/s/{plan.supplier_code}/send/"
    for _ in range(count):
        fields = order_fields(plan, rng, uuid.uuid4().hex)
        answer = browser.post(path, fields)
        if confirmed := unusual_confirmed(answer, fields):
            answer = browser.post(path, confirmed)  # the send that is timed
        if answer.status != 302 or "/buyer/orders/" not in answer.location:
            raise RuntimeError(f"sending an order answered {answer.status}: {answer.body[:300]!r}")
        times.append(answer.seconds)
        pages.append(answer.location)
    return times, pages


def order_submit(server: WebServer, emit: Emit, *, floor_ms: float, orders: int) -> None:
    rng = random.Random(8)  # noqa: S311 - load shape, not secrets
    plans = buyer_plans(8)
    browser = Browser(server.port)
    browser.login(plans[0].email, BENCH_PASSWORD)
    send_orders(browser, plans[0], 3, rng)  # warm the workers up
    times, _pages = send_orders(browser, plans[0], orders, rng)
    value = p95(_ms(times))
    emit(Figure("order_submit_p95_ms", value, "ms"))
    emit(ratio("order_submit_p95_ms", value, floor_ms))

    browsers = []
    for plan in plans:
        b = Browser(server.port)
        b.login(plan.email, BENCH_PASSWORD)
        browsers.append(b)
    each = max(1, orders // 2)
    errors: list[BaseException] = []

    def client(index: int) -> None:
        try:
            send_orders(browsers[index], plans[index], each, random.Random(index))  # noqa: S311
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(plans))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    per_s = each * len(plans) / elapsed
    emit(Figure("order_submit_per_s", per_s, "orders/s"))
    floor = raw_insert_orders(each * len(plans))
    emit(Figure("raw_insert_orders_per_s", floor, "orders/s"))
    emit(ratio("order_submit_per_s", per_s, floor))


def raw_insert_orders(count: int) -> float:
    """The floor of sending: the same rows (an order and 30 lines) written by plain INSERTs,
    one transaction per order, then removed again."""
    supplier = Organization.objects.get(code=MAIN)
    customer = Customer.objects.filter(supplier=supplier).first()
    assert customer is not None  # noqa: S101 - bench_seed made them
    location = customer.locations.get()
    products = list(Product.objects.filter(supplier=supplier, is_active=True)[:ORDER_LINES])
    rows = RawRows()
    columns_order = [
        "id created_at updated_at supplier_id buyer_id customer_id location_id number status",
        "channel requested_delivery_date ordered_at note form_values subtotal shipping_fee",
        "idempotency_key version entered_by_supplier cancel_reason",
    ]
    order_columns = " ".join(columns_order).split()
    line_columns = [
        "id",
        "created_at",
        "updated_at",
        "supplier_id",
        "order_id",
        "position",
        "product_id",
        "product_code",
        "product_name",
        "order_unit",
        "unit_label",
        "quantity",
        "unit_price",
        "tax_rate",
        "amount",
        "note",
    ]
    ids = []
    started = time.perf_counter()
    for n in range(count):
        now = rows.moment(timezone.now())
        order_id = rows.uuid(uuid7())
        ids.append(order_id)
        with transaction.atomic():
            rows.insert(
                Order._meta.db_table,
                order_columns,
                [
                    (
                        order_id,
                        now,
                        now,
                        rows.uuid(supplier.pk),
                        rows.uuid(customer.buyer_id) if customer.buyer_id else None,
                        rows.uuid(customer.pk),
                        rows.uuid(location.pk),
                        f"F-{n:06d}",
                        OrderStatus.SUBMITTED,
                        "web",
                        rows.day(timezone.localdate()),
                        now,
                        "",
                        "{}",
                        rows.decimal(Decimal(1000)),
                        rows.decimal(Decimal(0)),
                        uuid.uuid4().hex,
                        1,
                        False,
                        "",
                    )
                ],
            )
            rows.insert(
                OrderLine._meta.db_table,
                line_columns,
                [
                    (
                        rows.uuid(uuid7()),
                        now,
                        now,
                        rows.uuid(supplier.pk),
                        order_id,
                        position,
                        rows.uuid(p.pk),
                        p.product_code,
                        p.name,
                        "piece",
                        p.unit,
                        3,
                        rows.decimal(p.unit_price),
                        p.tax_rate,
                        rows.decimal(p.unit_price * 3),
                        "",
                    )
                    for position, p in enumerate(products, start=1)
                ],
            )
    elapsed = time.perf_counter() - started
    Order.objects.filter(supplier=supplier, number__startswith="F-").delete()
    return count / elapsed


def page_p95(browser: Browser, paths: list[str], requests: int) -> float:
    browser.get(paths[0])  # warm up
    times = []
    for n in range(requests):
        answer = browser.get(paths[n % len(paths)])
        if answer.status != 200:
            raise RuntimeError(f"{paths[n % len(paths)]} answered {answer.status}")
        times.append(answer.seconds)
    return p95(_ms(times))


def supplier_browser(server: WebServer, code: str = MAIN) -> Browser:
    browser = Browser(server.port)
    browser.login(f"admin@{code}.example", BENCH_PASSWORD)
    return browser


def inbox_and_search(server: WebServer, emit: Emit, *, floor_ms: float) -> None:
    browser = supplier_browser(server)
    orders = Order.objects.filter(supplier__code=MAIN).count()
    emit(Figure("inbox_orders", orders, "count"))
    value = page_p95(browser, ["/supplier/orders/"], 50)
    emit(Figure("inbox_p95_ms", value, "ms"))
    emit(ratio("inbox_p95_ms", value, floor_ms))
    products = Product.objects.filter(supplier__code=MAIN).count()
    emit(Figure("catalog_products", products, "count"))
    queries = ["とまと", "ｷｬﾍﾞﾂ", "ぎゅうにゅう", "ビール", "こくさん"]
    value = page_p95(browser, [f"/supplier/products/?q={quote(q)}" for q in queries], 50)
    emit(Figure("catalog_search_p95_ms", value, "ms"))
    emit(ratio("catalog_search_p95_ms", value, floor_ms))


# ---- query counts: the biggest tenant against a tiny one ------------------------------------

SUPPLIER_PAGES = [
    "supplier-inbox",
    "supplier-order-calendar",
    "product-list",
    "customer-list",
    "supplier-documents",
    "billing",
    "payment-list",
    "shipping-instructions",
    "picking-list",
    "audit-log",
    "members",
    "export-profiles",
]
BUYER_PAGES = ["buyer-home", "buyer-catalogue", "buyer-cart", "buyer-orders", "buyer-documents"]


def _path(name: str, supplier_code: str) -> str:
    return reverse(name, args=[supplier_code] if name in {"buyer-catalogue", "buyer-cart"} else [])


def _count_queries(client: Client, path: str) -> int:
    client.get(path)  # first visit: caches, session refresh
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return len(captured)


def _client(email: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": email, "password": BENCH_PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"login of {email} answered {response.status_code}")
    return client


def query_counts(emit: Emit) -> bool:
    """Each list page's query count for the tiny tenant (`_small`) and the biggest (`_large`)."""
    equal = True
    for code in (TINY, MAIN):
        # A page with no rows at all may skip a query: both tenants get a document first.
        issue_invoice(code, buyer_code=f"{code}-b00001")
    clients = {code: _client(f"admin@{code}.example") for code in (TINY, MAIN)}
    buyers = {code: _client(f"owner@{code}-b00001.example") for code in (TINY, MAIN)}
    pages = [(name, clients) for name in SUPPLIER_PAGES]
    pages += [(name, buyers) for name in BUYER_PAGES]
    for name, by_code in pages:
        small = _count_queries(by_code[TINY], _path(name, TINY))
        large = _count_queries(by_code[MAIN], _path(name, MAIN))
        label = name.replace("-", "_")
        emit(Figure(f"queries_{label}_small", small, "count"))
        emit(Figure(f"queries_{label}_large", large, "count"))
        equal = equal and small == large
    emit(Figure("queries_equal", 1 if equal else 0, "bool"))
    return equal


# ---- CSV export and its floor ----------------------------------------------------------------


def _manage(*args: str) -> list[str]:
    return [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args]


def measured(command: list[str]) -> tuple[float, float, subprocess.CompletedProcess[bytes]]:
    """Run a command; return its wall seconds, its peak RSS in MB and the finished process."""
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "tsunagu.bench.rss", *command],
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    last = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
    peak_kb = float(last[0].removeprefix("peak_rss_kb=")) if last else 0.0
    return elapsed, peak_kb / 1024, done


def csv_export(emit: Emit, work: Path) -> None:
    suppliers = list(
        Organization.objects.filter(code__startswith="bench-s", is_supplier=True)
        .order_by("code")
        .values_list("code", flat=True)
    )
    lines = OrderLine.objects.filter(supplier__code__in=suppliers).exclude(
        order__status=OrderStatus.PENDING_APPROVAL
    )
    total = lines.count()
    seconds, peak = 0.0, 0.0
    for code in suppliers:
        output = work / f"export-{code}.csv"
        elapsed, rss, done = measured(
            _manage(
                "export_csv", "orders", "--supplier", code, "--replace", "--output", str(output)
            )
        )
        if done.returncode != 0:
            raise RuntimeError(f"export_csv failed: {done.stderr.decode()[-500:]}")
        seconds += elapsed
        peak = max(peak, rss)
        output.unlink()
    per_s = total / seconds
    emit(Figure("csv_export_lines", total, "count"))
    emit(Figure("csv_export_lines_per_s", per_s, "lines/s"))
    emit(Figure("csv_export_peak_rss_mb", peak, "MB"))
    floor = database_dump(suppliers, work / "dump.csv")
    emit(Figure("db_csv_dump_lines_per_s", total / floor, "lines/s"))
    emit(ratio("csv_export_lines_per_s", per_s, total / floor))


_DUMP_SQL = """
SELECT o.number, c.customer_code, c.name, o.ordered_at, o.requested_delivery_date,
       o.delivery_date, o.status, o.channel, l.product_code, l.product_name, l.quantity,
       l.unit_label, l.unit_price, l.amount, l.tax_rate, l.note
FROM ordering_orderline l
JOIN ordering_order o ON o.id = l.order_id
JOIN customers_customer c ON c.id = o.customer_id
JOIN accounts_organization s ON s.id = o.supplier_id
WHERE s.code LIKE 'bench-s%%' AND o.status <> 'pending_approval'
ORDER BY o.supplier_id, o.ordered_at, o.number, l.position
"""


def database_dump(suppliers: list[str], target: Path) -> float:
    """The database's own CSV of the same rows: COPY on PostgreSQL, a plain cursor on SQLite."""
    started = time.perf_counter()
    with connection.cursor() as cursor, target.open("wb") as out:
        if connection.vendor == "postgresql":
            query = _DUMP_SQL.replace("%%", "%")
            with cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH CSV HEADER") as copy:
                for block in copy:
                    out.write(block)
        else:
            text = _TextOut(out)
            writer = csv.writer(text, lineterminator="\r\n")
            cursor.execute(_DUMP_SQL)
            while rows := cursor.fetchmany(10_000):
                writer.writerows(rows)
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


class _TextOut:
    def __init__(self, out: Any) -> None:
        self.out = out

    def write(self, value: str) -> int:
        return int(self.out.write(value.encode()))


# ---- documents: one invoice, the billing run ------------------------------------------------


def issue_invoice(code: str, *, buyer_code: str = "") -> Document:
    """A per-order invoice for the latest delivered order not invoiced yet (of one buyer when
    `buyer_code` is given), through the service."""
    from tsunagu.documents.services import issue_order_invoice

    supplier = Organization.objects.get(code=code)
    actor = Membership.objects.select_related("user", "organization").get(
        organization=supplier, user__email=f"admin@{code}.example"
    )
    orders = Order.objects.filter(supplier=supplier, status=OrderStatus.DELIVERED)
    if buyer_code:
        orders = orders.filter(buyer__code=buyer_code)
    order = orders.exclude(documents__doc_type=DocumentType.INVOICE).order_by("-ordered_at").first()
    assert order is not None  # noqa: S101 - bench_seed made delivered orders
    return issue_order_invoice(order, actor=actor)


def pdf_invoice(emit: Emit, *, renders: int = 20) -> None:
    started = time.perf_counter()
    document = issue_invoice(MAIN)
    emit(Figure("pdf_invoice_issue_ms", (time.perf_counter() - started) * 1000, "ms"))
    document = Document.objects.get(pk=document.pk)
    pdf.render_document(document)  # fonts loaded once, as in a running worker
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        pdf.render_document(document)
        times.append(time.perf_counter() - started)
    value = median(_ms(times))
    emit(Figure("pdf_invoice_ms", value, "ms"))
    floor = minimal_weasyprint(renders)
    emit(Figure("weasyprint_minimal_ms", floor, "ms"))
    emit(ratio("pdf_invoice_ms", value, floor))


def minimal_weasyprint(renders: int) -> float:
    from weasyprint import HTML  # type: ignore[import-untyped]

    page = (
        "<html><head><style>body { font-family: 'IPAexGothic'; }</style></head>"
        "<body><p>請求書</p></body></html>"
    )
    HTML(string=page).write_pdf()
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        HTML(string=page).write_pdf()
        times.append(time.perf_counter() - started)
    return median(_ms(times))


def billing_run(server: WebServer, emit: Emit, closing_date: date) -> None:
    """run_billing for 1,000 customers of 30 lines each, while a supplier reads the inbox."""
    browser = supplier_browser(server)
    stop = threading.Event()
    times: list[float] = []
    failures: list[int] = []

    def read_inbox() -> None:
        while not stop.is_set():
            answer = browser.get("/supplier/orders/")
            times.append(answer.seconds)
            if answer.status != 200:
                failures.append(answer.status)
            time.sleep(0.2)

    reader = threading.Thread(target=read_inbox)
    reader.start()
    try:
        elapsed, _rss, done = measured(
            _manage(
                "run_billing", "--supplier", BILLING, "--closing-date", closing_date.isoformat()
            )
        )
    finally:
        stop.set()
        reader.join()
    if done.returncode != 0:
        raise RuntimeError(f"run_billing failed: {done.stderr.decode()[-500:]}")
    invoices = Document.objects.filter(
        supplier__code=BILLING, doc_type=DocumentType.PERIODIC_INVOICE, period_end=closing_date
    ).count()
    emit(Figure("billing_invoices", invoices, "count"))
    emit(Figure("billing_run_s", elapsed, "s"))
    emit(Figure("inbox_p95_during_billing_ms", p95(_ms(times)), "ms"))
    emit(Figure("inbox_errors_during_billing", len(failures), "count"))
    emit(Figure("inbox_reads_during_billing", len(times), "count"))


def billing_closing_date() -> date:
    customer = Customer.objects.filter(supplier__code=BILLING).first()
    assert customer is not None  # noqa: S101 - bench_seed made them
    delivered = (
        Order.objects.filter(customer__supplier__code=BILLING)
        .order_by("-delivery_date")
        .values_list("delivery_date", flat=True)
        .first()
    )
    assert delivered is not None  # noqa: S101
    from tsunagu.documents.billing import next_closing_date

    return next_closing_date(delivered, customer.closing_day)


# ---- product import --------------------------------------------------------------------------


def _product_rows(count: int) -> Iterator[list[str]]:
    from tsunagu.bench import names

    rng = random.Random(10)  # noqa: S311
    for n in range(1, count + 1):
        base, kana, category, unit, rate = rng.choice(names.PRODUCTS)
        grade, grade_kana = rng.choice(names.GRADES)
        yield [
            f"N{n:05d}",
            f"{grade}{base}",
            f"{grade_kana}{kana}",
            "",
            unit,
            str(rng.choice(["", "6", "12"])),
            str(rng.choice([98, 120, 12.5, 480, 1200])),
            str(rate),
            "1",
            "1",
            category,
        ]


def import_products(emit: Emit, work: Path, *, count: int = 10_000) -> None:
    path = work / "products.csv"
    with path.open("w", encoding="cp932", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(
            [
                "商品コード",
                "商品名",
                "商品名カナ",
                "JANコード",
                "単位",
                "入数",
                "単価",
                "税率",
                "最小注文数",
                "発注単位",
                "カテゴリ",
            ]
        )
        writer.writerows(_product_rows(count))
    elapsed, rss, done = measured(
        _manage("import_csv", "products", "--supplier", IMPORT, str(path))
    )
    if done.returncode != 0:
        raise RuntimeError(f"import_csv failed: {done.stdout.decode()[-800:]}")
    emit(Figure("import_products", Product.objects.filter(supplier__code=IMPORT).count(), "count"))
    emit(Figure("import_products_s", elapsed, "s"))
    emit(Figure("import_products_peak_rss_mb", rss, "MB"))
    path.unlink()


# ---- a person on a phone ---------------------------------------------------------------------


def first_order_from_invitation(server: WebServer, emit: Emit) -> None:
    """A new restaurant opens its invitation on a phone and sends its first order, typing and
    tapping at a person's pace (tsunagu/bench/phone.py), once per kind of invitation."""
    from tsunagu.bench import phone  # Playwright is loaded only for this scenario

    base = f"http://127.0.0.1:{server.port}"
    for kind, seconds in phone.time_first_orders(base, MAIN, ["email", "link"]).items():
        emit(Figure(f"first_order_from_invitation_{kind}_s", seconds, "s"))
