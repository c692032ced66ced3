"""The demo data that `make run` shows (CONTRACT.md: seed_demo). Idempotent.

Each later app adds its part here through its own services, so that the demo stays lively:
issued delivery notes and a closed billing period come last.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from tsunagu.accounts import services as accounts
from tsunagu.accounts.models import Role
from tsunagu.ops.demo_catalog import (
    seed_catalog,
    seed_orders,
    seed_proxy_orders,
    seed_shipping,
)
from tsunagu.ops.demo_documents import seed_documents

DEMO_PASSWORD = "tsunagu-demo-2026"  # noqa: S105 - published in the README on purpose


@dataclass(frozen=True)
class DemoOrganization:
    code: str
    name: str
    name_kana: str
    is_supplier: bool
    is_buyer: bool
    profile: dict[str, str] = field(default_factory=dict)


SUPPLIERS = [
    DemoOrganization(
        "demo-supplier",
        "つなぐ食品卸 株式会社",
        "ツナグショクヒンオロシ",
        True,
        False,
        {
            "postal_code": "104-0045",
            "address": "東京都中央区築地9-9-9 つなぐビル3階",
            "phone": "03-0000-1234",
            "fax": "03-0000-1235",
            "email": "order@demo-supplier.example",
            "registration_number": "T4010001234567",
            "allowed_email_domains": "demo-supplier.example",
            "bank_accounts": "つなぐ銀行 築地支店 普通 1234567 ツナグシヨクヒンオロシ（カ",
            "invoice_remarks": "お振込手数料はご負担くださいますようお願いいたします。",
        },
    ),
    DemoOrganization(
        "demo-supplier-2",
        "みなと青果 有限会社",
        "ミナトセイカ",
        True,
        False,
        {
            "postal_code": "231-0000",
            "address": "神奈川県横浜市中区みなと1-2-3",
            "phone": "045-000-5678",
            "fax": "045-000-5679",
            "registration_number": "T7011101987654",
            "rounding": "half_up",
        },
    ),
]
BUYERS = [
    DemoOrganization("demo-buyer", "レストラン さくら", "レストランサクラ", False, True),
    DemoOrganization("demo-buyer-2", "居酒屋 はなみち", "イザカヤハナミチ", False, True),
    DemoOrganization("demo-buyer-3", "ベーカリー こむぎ", "ベーカリーコムギ", False, True),
]

# (organization code, e-mail, name, role)
MEMBERS = [
    ("demo-supplier", "admin@demo-supplier.example", "管理 太郎", Role.ADMIN),
    ("demo-supplier", "owner@demo-supplier.example", "代表 一郎", Role.OWNER),
    ("demo-supplier", "staff@demo-supplier.example", "受注 花子", Role.MEMBER),
    ("demo-supplier", "viewer@demo-supplier.example", "閲覧 次郎", Role.VIEWER),
    ("demo-supplier", "shipping@demo-supplier.example", "出荷 三郎", Role.SHIPPING),
    ("demo-supplier-2", "admin@demo-supplier-2.example", "港 健太", Role.ADMIN),
    # The owner runs both companies and switches between them in the header.
    ("demo-supplier-2", "owner@demo-supplier.example", "代表 一郎", Role.OWNER),
    ("demo-buyer", "owner@demo-buyer.example", "桜井 美咲", Role.OWNER),
    ("demo-buyer", "staff@demo-buyer.example", "厨房 翔太", Role.MEMBER),
    ("demo-buyer-2", "owner@demo-buyer-2.example", "花道 大輔", Role.OWNER),
    ("demo-buyer-3", "owner@demo-buyer-3.example", "小麦 葵", Role.OWNER),
]


@transaction.atomic
def seed_demo() -> dict[str, int]:
    """Create the demo organizations and people; running it again changes nothing."""
    organizations = {}
    created = 0
    for demo in SUPPLIERS + BUYERS:
        organization, was_created = accounts.ensure_organization(
            code=demo.code,
            name=demo.name,
            name_kana=demo.name_kana,
            is_supplier=demo.is_supplier,
            is_buyer=demo.is_buyer,
            profile=demo.profile,
        )
        organizations[demo.code] = organization
        created += was_created
    members = {}
    for code, email, name, role in MEMBERS:
        members[(code, email)] = accounts.ensure_member(
            organizations[code], email=email, name=name, role=role, password=DEMO_PASSWORD
        )
    owners = {
        "demo-supplier": members[("demo-supplier", "admin@demo-supplier.example")],
        "demo-supplier-2": members[("demo-supplier-2", "admin@demo-supplier-2.example")],
    }
    seed_catalog(owners)
    seed_orders(owners)
    seed_proxy_orders(owners)
    seed_shipping(owners)
    seed_documents(owners)
    return {"organizations": len(organizations), "created": created, "members": len(MEMBERS)}
