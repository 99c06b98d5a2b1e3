"""A seeded JSON order export with nested customers and line items, some fields missing."""

from __future__ import annotations

import json
from random import Random
from typing import Any

from skillgym.envs.terminal.generation import Generated

FIRST = ["Ada", "Bo", "Chen", "Dana", "Emil", "Farah", "Gus", "Hana", "Ivo", "Jules", "Kemal"]
LAST = ["Okafor", "Lind", "Moreau", "Sato", "Quist", "Rossi", "Novak", "Park", "Ibsen"]
DOMAINS = ["example.com", "mail.test", "corp.example", "shop.test"]
STATUSES = ["paid", "paid", "shipped", "shipped", "pending", "cancelled", "refunded"]
SKUS = ["MUG-01", "TEE-M", "TEE-L", "CAP-02", "PIN-10", "BAG-05", "SOCK-3", "PEN-99"]


def customer(rng: Random, index: int) -> dict[str, Any]:
    """One customer record; the email may be mixed case, null or missing."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    record: dict[str, Any] = {"id": 500 + index, "name": f"{first} {last}"}
    roll = rng.random()
    if roll < 0.12:
        record["email"] = None
    elif roll > 0.2:
        email = f"{first}.{last}{rng.randint(1, 99)}@{rng.choice(DOMAINS)}"
        record["email"] = email if rng.random() < 0.5 else email.lower()
    record["address"] = {"city": rng.choice(["Oslo", "Lyon", "Porto", "Graz"]), "zip": "1000"}
    return record


def items(rng: Random) -> list[dict[str, Any]]:
    """Line items; qty is sometimes left out (it then means 1)."""
    out = []
    for _ in range(rng.randint(1, 4)):
        item: dict[str, Any] = {"sku": rng.choice(SKUS), "unit_price_cents": rng.randint(150, 8900)}
        if rng.random() < 0.8:
            item["qty"] = rng.randint(1, 5)
        out.append(item)
    return out


def report(orders: list[dict[str, Any]]) -> list[str]:
    """The report the script must print, header included."""
    rows = []
    for order in orders:
        if order.get("status") == "cancelled":
            continue
        email = (order.get("customer") or {}).get("email")
        email = "unknown" if email is None else email.lower()
        total = sum(i.get("qty", 1) * i["unit_price_cents"] for i in order.get("items") or [])
        rows.append((-total, order["id"], email))
    return ["order_id,email,total_cents"] + [
        f"{oid},{email},{-neg}" for neg, oid, email in sorted(rows)
    ]


def generate(rng: Random) -> Generated:
    """One export file and the report it should give."""
    customers = [customer(rng, i) for i in range(rng.randint(8, 14))]
    ids = rng.sample(range(10000, 99999), rng.randint(30, 55))
    orders: list[dict[str, Any]] = []
    for oid in ids:
        order: dict[str, Any] = {
            "id": oid,
            "placed_at": f"2025-0{rng.randint(1, 9)}-{rng.randint(10, 28)}T{rng.randint(10, 23)}:00:00Z",
            "status": rng.choice(STATUSES),
        }
        roll = rng.random()
        if roll < 0.08:
            order["customer"] = None
        elif roll > 0.12:
            order["customer"] = rng.choice(customers)
        roll = rng.random()
        if roll < 0.06:
            order["items"] = None
        elif roll < 0.1:
            order["items"] = []
        elif roll > 0.14:
            order["items"] = items(rng)
        if rng.random() < 0.3:
            order["notes"] = rng.choice(["gift", "leave at door", "call first"])
        orders.append(order)
    # Ties on the total: a few orders copy another order's line items.
    for _ in range(3):
        source, target = rng.sample(range(len(orders)), 2)
        if orders[source].get("items"):
            orders[target]["items"] = [dict(i) for i in orders[source]["items"]]
            orders[target]["status"] = "paid"
    name = f"orders-2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}.json"
    export = {
        "export": {"source": "shopfront", "version": 3, "count": len(orders)},
        "orders": orders,
    }
    return Generated(
        variables={"export_name": name},
        files={f"exports/{name}": json.dumps(export, indent=rng.choice([None, 2]))},
        expected={"report": report(orders)},
    )
