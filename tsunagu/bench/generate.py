"""Fill a database fast to a named scale, for the benchmarks (docs/benchmarks.md).

Organizations, people, customers and products go in with `bulk_create` in large batches; orders
and their lines, which are most of the rows, go in as raw rows (`COPY` on PostgreSQL,
`executemany` on SQLite) with the values already in the form the database keeps. Order numbers are
given per supplier in order of time, S-000001 upwards, and each supplier's `OrderSequence` is set
to the last one, so an order sent afterwards continues the series without a gap.

This writes straight into the tables, past the services: it records what a busy month of real
use would have left behind (no audit entries, no mails), and is only ever run on a bench database.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from tsunagu.accounts.models import Membership, Organization, Role, User
from tsunagu.bench import names
from tsunagu.catalog.models import Product
from tsunagu.catalog.selectors import product_search_text
from tsunagu.core.barcodes import jan_check_digit
from tsunagu.core.ids import uuid7
from tsunagu.core.money import Rounding, round_money
from tsunagu.core.registration import corporate_check_digit
from tsunagu.customers.models import MONTH_END, Customer, Location
from tsunagu.documents.billing import month_end, shift_month
from tsunagu.ordering.models import Channel, Order, OrderLine, OrderSequence, OrderStatus

BENCH_PASSWORD = "tsunagu-bench-2026"  # noqa: S105 - a throwaway bench database only
SEED = 2026


@dataclass(frozen=True)
class Scale:
    """How much to generate. One supplier (the first) holds half of everything, as the biggest
    tenant of a real service would; the others share the rest."""

    name: str
    suppliers: int
    customers: int
    products: int
    order_lines: int
    # Customers of the first supplier whose buyer has a login (for the HTTP scenarios).
    buyer_logins: int = 60


SCALES: dict[str, Scale] = {
    "small": Scale("small", suppliers=2, customers=200, products=2_000, order_lines=50_000),
    "large": Scale("large", suppliers=20, customers=5_000, products=20_000, order_lines=1_000_000),
}

# The tenants the scenarios use besides the main ones: a tiny supplier for query counts that
# must not grow with the data, 1,000 customers closing on the same day for the billing run, and
# an empty supplier that the product import fills.
TINY = Scale("tiny", suppliers=1, customers=1, products=12, order_lines=40, buyer_logins=1)
BILLING_CUSTOMERS = 1_000
BILLING_LINES_PER_CUSTOMER = 30


@dataclass
class Tenant:
    supplier: Organization
    admin_email: str
    customers: list[Customer] = field(default_factory=list)
    locations: dict[UUID, Location] = field(default_factory=dict)
    products: list[Product] = field(default_factory=list)
    buyer_emails: list[str] = field(default_factory=list)
    orders: int = 0
    order_lines: int = 0


@dataclass
class Generated:
    scale: Scale
    main: list[Tenant]
    tiny: Tenant
    billing: Tenant
    billing_closing_date: date
    import_supplier: Organization

    @property
    def order_lines(self) -> int:
        return sum(t.order_lines for t in self.main)

    @property
    def orders(self) -> int:
        return sum(t.orders for t in self.main)


def shares(total: int, parts: int) -> list[int]:
    """`total` split over `parts`: half to the first (all of it when alone), the rest evenly."""
    if parts <= 1:
        return [total]
    first = total // 2
    rest = total - first
    each, extra = divmod(rest, parts - 1)
    return [first] + [each + (1 if i < extra else 0) for i in range(parts - 1)]


def generate(scale: Scale, *, seed: int = SEED, now: datetime | None = None) -> Generated:
    """Fill the (empty) database to `scale`, plus the scenario tenants. One transaction."""
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    now = now or timezone.now()
    password = make_password(BENCH_PASSWORD)
    with transaction.atomic():
        main = _tenants("bench", scale, rng, password=password)
        for tenant, lines in zip(main, shares(scale.order_lines, scale.suppliers), strict=True):
            _write_orders(tenant, _month_of_orders(tenant, lines, rng, now=now))
        tiny = _tenants("tiny", TINY, rng, password=password)[0]
        _write_orders(tiny, _month_of_orders(tiny, TINY.order_lines, rng, now=now))
        billing_scale = Scale(
            "billing", suppliers=1, customers=BILLING_CUSTOMERS, products=200, order_lines=0
        )
        billing = _tenants(
            "billing", billing_scale, rng, password=password, closing_days=[MONTH_END]
        )[0]
        closing = _last_month_end(now)
        _write_orders(billing, _orders_to_bill(billing, rng, closing_date=closing, now=now))
        import_supplier = _tenants(
            "import", Scale("import", 1, 0, 0, 0, buyer_logins=0), rng, password=password
        )[0].supplier
    return Generated(scale, main, tiny, billing, closing, import_supplier)


def _last_month_end(now: datetime) -> date:
    today = timezone.localdate(now)
    year, month = shift_month(today.year, today.month, -1)
    return month_end(year, month)


# ---- organizations, people, customers, products (bulk_create) -------------------------------


def _tenants(
    prefix: str,
    scale: Scale,
    rng: random.Random,
    *,
    password: str,
    closing_days: Sequence[int] | None = None,
) -> list[Tenant]:
    tenants = []
    users: list[User] = []
    memberships: list[Membership] = []
    for index in range(scale.suppliers):
        place, place_kana = names.PLACES[index % len(names.PLACES)]
        kind, kind_kana = names.SUPPLIER_KINDS[index % len(names.SUPPLIER_KINDS)]
        postal, address = rng.choice(names.PREFECTURE_ADDRESSES)
        code = f"{prefix}-s{index + 1:02d}"
        supplier = Organization(
            code=code,
            name=f"{place}{kind} {rng.choice(names.LEGAL_FORMS)}",
            name_kana=f"{place_kana}{kind_kana}",
            is_supplier=True,
            postal_code=postal,
            address=f"{address}{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}",
            phone=f"03-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
            registration_number=_registration_number(rng),
            rounding=Rounding.DOWN if index % 3 else Rounding.HALF_UP,
            bank_accounts="つなぐ銀行 本店営業部 普通 1234567",
        )
        admin_email = f"admin@{code}.example"
        user = User(email=admin_email, name=_person(rng), password=password)
        users.append(user)
        memberships.append(Membership(user=user, organization=supplier, role=Role.ADMIN))
        tenants.append(Tenant(supplier, admin_email))
    Organization.objects.bulk_create([t.supplier for t in tenants])

    for tenant, count in zip(tenants, shares(scale.products, scale.suppliers), strict=True):
        tenant.products = _products(tenant.supplier, count, rng)
    Product.objects.bulk_create([p for t in tenants for p in t.products], batch_size=2_000)

    buyers: list[Organization] = []
    for tenant, count in zip(tenants, shares(scale.customers, scale.suppliers), strict=True):
        logins = scale.buyer_logins if tenant is tenants[0] else 0
        for number in range(1, count + 1):
            customer, buyer = _customer(tenant.supplier, number, rng, closing_days=closing_days)
            if number <= logins:
                # People who order on the web receive every weekday, so the bench never
                # waits for a delivery day.
                customer.delivery_weekdays = "0123456"
                email = f"owner@{buyer.code}.example"
                user = User(email=email, name=_person(rng), password=password)
                users.append(user)
                memberships.append(Membership(user=user, organization=buyer, role=Role.OWNER))
                tenant.buyer_emails.append(email)
            buyers.append(buyer)
            tenant.customers.append(customer)
    Organization.objects.bulk_create(buyers, batch_size=2_000)
    Customer.objects.bulk_create([c for t in tenants for c in t.customers], batch_size=2_000)
    for tenant in tenants:
        for customer in tenant.customers:
            tenant.locations[customer.pk] = Location(
                supplier=tenant.supplier,
                customer=customer,
                name=f"{customer.name}",
                postal_code=customer.postal_code,
                address=customer.address,
                is_default=True,
            )
    Location.objects.bulk_create(
        [loc for t in tenants for loc in t.locations.values()], batch_size=2_000
    )
    User.objects.bulk_create(users, batch_size=2_000)
    Membership.objects.bulk_create(memberships, batch_size=2_000)
    return tenants


def _registration_number(rng: random.Random) -> str:
    body = "".join(str(rng.randint(0, 9)) for _ in range(12))
    return f"T{corporate_check_digit(body)}{body}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(names.PERSON_FAMILY)} {rng.choice(names.PERSON_GIVEN)}"


def _products(supplier: Organization, count: int, rng: random.Random) -> list[Product]:
    products = []
    for number in range(1, count + 1):
        base, kana, category, unit, rate = rng.choice(names.PRODUCTS)
        grade, grade_kana = rng.choice(names.GRADES)
        size = rng.choice(names.SIZES)
        by_case = rng.random() < 0.3
        body = f"49{rng.randint(0, 10**10 - 1):010d}"
        price = Decimal(rng.choice([80, 120, 198, 250, 380, 480, 650, 980, 1200, 2400, 4800]))
        if rng.random() < 0.1:
            price += Decimal("0.5")  # ¥12.5 a piece is common
        product = Product(
            supplier=supplier,
            product_code=f"P{number:05d}",
            name=" ".join(part for part in (f"{grade}{base}", size) if part),
            name_kana=f"{grade_kana}{kana}",
            jan_code=f"{body}{jan_check_digit(body)}",
            category=category,
            unit=unit,
            units_per_case=rng.choice([6, 10, 12, 24]) if by_case else None,
            sold_by_case=by_case,
            unit_price=price,
            tax_rate=rate,
            is_active=rng.random() < 0.98,
        )
        product.search_text = product_search_text(product)
        products.append(product)
    return products


def _customer(
    supplier: Organization,
    number: int,
    rng: random.Random,
    *,
    closing_days: Sequence[int] | None,
) -> tuple[Customer, Organization]:
    kind, kind_kana = rng.choice(names.SHOP_KINDS)
    shop, shop_kana = rng.choice(names.SHOP_NAMES)
    place, place_kana = rng.choice(names.PLACES)
    name = f"{kind} {shop} {place}店"
    kana = f"{kind_kana}{shop_kana}{place_kana}テン"
    postal, address = rng.choice(names.PREFECTURE_ADDRESSES)
    buyer = Organization(
        code=f"{supplier.code}-b{number:05d}",
        name=name,
        name_kana=kana,
        is_buyer=True,
        postal_code=postal,
        address=f"{address}{rng.randint(1, 9)}-{rng.randint(1, 30)}",
    )
    closing_day = rng.choice(
        closing_days or [MONTH_END, MONTH_END, MONTH_END, MONTH_END, 20, 20, 25, 15, 10, 5]
    )
    customer = Customer(
        supplier=supplier,
        customer_code=f"C{number:05d}",
        name=name,
        name_kana=kana,
        postal_code=buyer.postal_code,
        address=buyer.address,
        phone=f"0{rng.randint(3, 99)}-{rng.randint(100, 9999)}-{rng.randint(1000, 9999)}",
        closing_day=closing_day,
        payment_month_offset=rng.choice([1, 1, 1, 0, 2]),
        payment_day=rng.choice([MONTH_END, MONTH_END, 10, 20, 25]),
        delivery_weekdays=rng.choice(["0123456", "012345", "01234", "024", "135"]),
        delivery_route=f"{rng.choice('ABCDE')}便",
        buyer=buyer,
    )
    return customer, buyer


# ---- orders and lines (raw rows) -------------------------------------------------------------


@dataclass(frozen=True)
class OrderSpec:
    customer: Customer
    ordered_at: datetime
    requested: date
    delivered: date | None
    status: str
    channel: str
    lines: list[tuple[Product, int]]


_CHANNELS = [Channel.WEB] * 12 + [Channel.FAX] * 4 + [Channel.PHONE] * 3 + [Channel.EMAIL]
_CHANNELS += [Channel.LINE]


def _month_of_orders(
    tenant: Tenant, lines: int, rng: random.Random, *, now: datetime
) -> Iterator[OrderSpec]:
    """Orders of the last 180 days adding up to `lines` lines: older ones delivered (a few
    cancelled), recent ones on their way."""
    products = [p for p in tenant.products if p.is_active] or tenant.products
    left = lines
    while left > 0 and tenant.customers and products:
        count = min(left, rng.randint(1, 9), len(products))
        left -= count
        age = timedelta(seconds=rng.randint(0, 180 * 86_400))
        ordered_at = now - age
        ordered_on = timezone.localdate(ordered_at)
        requested = ordered_on + timedelta(days=rng.randint(1, 3))
        days = age.days
        roll = rng.random()
        if days > 10:
            status = OrderStatus.CANCELLED if roll < 0.06 else OrderStatus.DELIVERED
        elif days > 3:
            status = OrderStatus.SHIPPED if roll < 0.4 else OrderStatus.DELIVERED
        else:
            status = (
                OrderStatus.SUBMITTED
                if roll < 0.5
                else OrderStatus.ACCEPTED
                if roll < 0.9
                else OrderStatus.SHIPPED
            )
        yield OrderSpec(
            customer=rng.choice(tenant.customers),
            ordered_at=ordered_at,
            requested=requested,
            delivered=requested if status == OrderStatus.DELIVERED else None,
            status=status,
            channel=rng.choice(_CHANNELS),
            lines=[(p, rng.randint(1, 12)) for p in rng.sample(products, count)],
        )


def _orders_to_bill(
    tenant: Tenant, rng: random.Random, *, closing_date: date, now: datetime
) -> Iterator[OrderSpec]:
    """One delivered order of 30 lines per customer, delivered in the month that closed."""
    products = [p for p in tenant.products if p.is_active]
    for customer in tenant.customers:
        delivered = closing_date.replace(day=rng.randint(1, 28))
        ordered_at = timezone.make_aware(
            datetime.combine(delivered - timedelta(days=1), datetime.min.time())
        ) + timedelta(hours=rng.randint(8, 16))
        yield OrderSpec(
            customer=customer,
            ordered_at=min(ordered_at, now),
            requested=delivered,
            delivered=delivered,
            status=OrderStatus.DELIVERED,
            channel=Channel.FAX,
            lines=[
                (p, rng.randint(1, 12)) for p in rng.sample(products, BILLING_LINES_PER_CUSTOMER)
            ],
        )


_ORDER_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "supplier_id",
    "buyer_id",
    "customer_id",
    "location_id",
    "number",
    "status",
    "channel",
    "requested_delivery_date",
    "delivery_date",
    "ordered_at",
    "placed_by_id",
    "note",
    "form_values",
    "subtotal",
    "shipping_fee",
    "idempotency_key",
    "version",
    "entered_by_supplier",
    "cancel_reason",
]
_LINE_COLUMNS = [
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
    "units_per_case",
    "quantity",
    "confirmed_quantity",
    "unit_price",
    "tax_rate",
    "amount",
    "note",
]


def _write_orders(tenant: Tenant, specs: Iterable[OrderSpec]) -> None:
    """Number the orders by time and write them with their lines; set the sequence."""
    ordered = sorted(specs, key=lambda spec: spec.ordered_at)
    rows = RawRows()
    supplier_id = rows.uuid(tenant.supplier.pk)
    rounding = tenant.supplier.rounding
    order_rows: list[tuple[Any, ...]] = []
    line_rows: list[tuple[Any, ...]] = []

    def flush() -> None:
        rows.insert(Order._meta.db_table, _ORDER_COLUMNS, order_rows)
        rows.insert(OrderLine._meta.db_table, _LINE_COLUMNS, line_rows)
        order_rows.clear()
        line_rows.clear()

    for number, spec in enumerate(ordered, start=1):
        order_id = rows.uuid(uuid7())
        stamp = rows.moment(spec.ordered_at)
        subtotal = Decimal(0)
        for position, (product, quantity) in enumerate(spec.lines, start=1):
            amount = round_money(product.unit_price * quantity, rounding)
            subtotal += amount
            line_rows.append(
                (
                    rows.uuid(uuid7()),
                    stamp,
                    stamp,
                    supplier_id,
                    order_id,
                    position,
                    rows.uuid(product.pk),
                    product.product_code,
                    product.name,
                    "piece",
                    product.unit,
                    product.units_per_case,
                    quantity,
                    None,
                    rows.decimal(product.unit_price),
                    product.tax_rate,
                    rows.decimal(amount),
                    "",
                )
            )
        customer = spec.customer
        order_rows.append(
            (
                order_id,
                stamp,
                stamp,
                supplier_id,
                rows.uuid(customer.buyer_id) if customer.buyer_id else None,
                rows.uuid(customer.pk),
                rows.uuid(tenant.locations[customer.pk].pk),
                f"S-{number:06d}",
                spec.status,
                spec.channel,
                rows.day(spec.requested),
                rows.day(spec.delivered) if spec.delivered else None,
                stamp,
                None,
                "",
                "{}",
                rows.decimal(subtotal),
                rows.decimal(Decimal(0)),
                "",
                1,
                spec.channel != Channel.WEB,
                "得意先の都合" if spec.status == OrderStatus.CANCELLED else "",
            )
        )
        tenant.orders += 1
        tenant.order_lines += len(spec.lines)
        if len(line_rows) >= 20_000:
            flush()
    flush()
    OrderSequence.objects.update_or_create(
        supplier=tenant.supplier, defaults={"last_number": len(ordered)}
    )


class RawRows:
    """Values in the form the database keeps them, and a fast insert of many rows."""

    def __init__(self) -> None:
        self.sqlite = connection.vendor == "sqlite"

    def uuid(self, value: UUID) -> Any:
        # Django keeps UUIDs as 32 hex characters on SQLite and as the uuid type on PostgreSQL.
        return value.hex if self.sqlite else value

    def moment(self, value: datetime) -> Any:
        return connection.ops.adapt_datetimefield_value(value)

    def day(self, value: date) -> Any:
        return value.isoformat() if self.sqlite else value

    def decimal(self, value: Decimal) -> Any:
        return str(value) if self.sqlite else value

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        quote = connection.ops.quote_name
        names = ", ".join(quote(c) for c in columns)
        with connection.cursor() as cursor:
            if self.sqlite:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)  # noqa: S608
                return
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


def sequence_gaps(supplier: Organization) -> list[int]:
    """Order numbers 1..last_number that no order holds (the bench checks there are none)."""
    last = (
        OrderSequence.objects.filter(supplier=supplier)
        .values_list("last_number", flat=True)
        .first()
    ) or 0
    taken = {
        int(number.removeprefix("S-"))
        for number in Order.objects.filter(supplier=supplier).values_list("number", flat=True)
    }
    return [n for n in range(1, last + 1) if n not in taken]
