"""Seeded shop CSVs with messy values, the clean tables they should load into, and the answer."""

from __future__ import annotations

import csv
import io
from random import Random
from typing import Any

from skillgym.envs.terminal.generation import Generated

FIRST = ["Ada", "Bruno", "Chloe", "Dev", "Elena", "Femi", "Greta", "Hugo", "Ines", "Jonas"]
FIRST += ["Kira", "Luca", "Maya", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara"]
LAST = ["Adler", "Berg", "Costa", "Diaz", "Eklund", "Fischer", "Grant", "Holm", "Ito", "Jensen"]
CITIES = ["Bergen", "Lisbon", "Ghent", "Turin", "Tartu", "Porto", "Basel"]
PRODUCTS = [
    ("Espresso machine", "kitchen"),
    ("Burr grinder", "kitchen"),
    ("Desk lamp", "office"),
    ("Standing desk", "office"),
    ("Monitor arm", "office"),
    ("Rain jacket", "outdoor"),
    ("Trail shoes", "outdoor"),
    ("Tent, 2 person", "outdoor"),
    ("Kettle", "kitchen"),
    ("Notebook set", "office"),
    ("Headlamp", "outdoor"),
    ("Chef knife", "kitchen"),
    ("Road bike", "outdoor"),
]


def messy(rng: Random, text: str) -> str:
    """The text, sometimes with stray spaces around it."""
    return rng.choice(["", "", " ", "  "]) + text + rng.choice(["", "", " ", "   "])


def money(cents: int) -> str:
    """Dollars with thousand separators: 129950 -> '1,299.50'."""
    return f"{cents // 100:,}.{cents % 100:02d}"


def to_csv(header: list[str], rows: list[list[Any]]) -> str:
    """CSV text (quoted only where needed)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def month_revenue(orders: list[list[Any]], prices: dict[str, int], month: str) -> dict[int, int]:
    """customer_id -> revenue in cents over ``month``'s orders."""
    revenue: dict[int, int] = {}
    for _, customer, sku, quantity, day, _ in orders:
        if day.startswith(month):
            revenue[customer] = revenue.get(customer, 0) + quantity * prices[sku]
    return revenue


def generate(rng: Random) -> Generated:
    """Three CSVs, the clean rows, and the top-3 answer for one month."""
    names = rng.sample([f"{f} {last}" for f in FIRST for last in LAST], rng.randint(25, 40))
    customers: list[list[Any]] = []
    for i, name in enumerate(names):
        cid = 100 + 3 * i + rng.randint(0, 2)
        email = name.lower().replace(" ", ".") + f"@{rng.choice(['mail.test', 'example.org'])}"
        city = rng.choice(CITIES) if rng.random() < 0.8 else None
        customers.append([cid, name, email, city])
    products: list[list[Any]] = []
    for index, (name, category) in enumerate(rng.sample(PRODUCTS, rng.randint(8, 12))):
        sku = f"{category[:3].upper()}-{100 + index * 7 + rng.randint(0, 6)}"
        cents = rng.choice([rng.randint(500, 9999), rng.randint(10000, 250000)])
        cents += rng.choice([0, 5, 29, 57, 99]) - cents % 100
        products.append([sku, name, category if rng.random() < 0.85 else None, cents])
    # At least one price that float arithmetic gets wrong: int(12.29 * 100) == 1228.
    if all(int(float(money(p[3]).replace(",", "")) * 100) == p[3] for p in products):
        tricky = [c for c in range(1000, 99999) if int(float(money(c)) * 100) != c]
        products[rng.randrange(len(products))][3] = rng.choice(tricky)
    prices = {p[0]: p[3] for p in products}
    year = rng.choice([2023, 2024, 2025])
    months = [f"{year}-{m:02d}" for m in range(rng.randint(1, 9), 13)][:3]
    orders: list[list[Any]] = []
    for i in range(rng.randint(150, 260)):
        day = f"{rng.choice(months)}-{rng.randint(1, 28):02d}"
        coupon = rng.choice(["SPRING10", "VIP", "WELCOME5"]) if rng.random() < 0.25 else None
        sku = rng.choice(products)[0]
        orders.append([5000 + i, rng.choice(customers)[0], sku, rng.randint(1, 4), day, coupon])
    month = rng.choice(months)
    # A tie at the cut: a customer outside the top 3 copies the third one's month orders.
    ranked = sorted(month_revenue(orders, prices, month).items(), key=lambda kv: -kv[1])
    third = ranked[2][0]
    by_name = {c[0]: c[1] for c in customers}
    others = [c for c, _ in ranked[4:]] or [c[0] for c in customers if c[0] not in dict(ranked)]
    # ... one whose name and id sort in opposite orders, so only the name decides the tie.
    rivals = [c for c in others if (by_name[c] < by_name[third]) != (c < third)]
    rival = rng.choice(rivals or others)
    orders = [o for o in orders if not (o[1] == rival and o[4].startswith(month))]
    next_id = max(o[0] for o in orders) + 1
    for order in [o for o in orders if o[1] == third and o[4].startswith(month)]:
        orders.append([next_id, rival, order[2], order[3], order[4], None])
        next_id += 1
    rng.shuffle(orders)
    revenue = month_revenue(orders, prices, month)
    top = sorted(revenue.items(), key=lambda kv: (-kv[1], by_name[kv[0]]))[:3]

    files = {
        "data/customers.csv": to_csv(
            ["customer_id", "name", "email", "city"],
            [[c[0], messy(rng, c[1]), messy(rng, c[2]), messy(rng, c[3] or "")] for c in customers],
        ),
        "data/products.csv": to_csv(
            ["sku", "name", "category", "price"],
            [[p[0], messy(rng, p[1]), p[2] or "", money(p[3])] for p in products],
        ),
        "data/orders.csv": to_csv(
            ["order_id", "customer_id", "sku", "quantity", "ordered_on", "coupon"],
            [
                [o[0], messy(rng, str(o[1])), messy(rng, o[2]), o[3], o[4], o[5] or ""]
                for o in orders
            ],
        ),
    }
    return Generated(
        variables={"month": month},
        files=files,
        expected={
            "customers": sorted(customers),
            "products": sorted(products),
            "orders": sorted(orders),
            "answer": [f"{cid}|{by_name[cid]}|{cents}" for cid, cents in top],
            "tie": [by_name[third], by_name[rival]],
        },
    )
