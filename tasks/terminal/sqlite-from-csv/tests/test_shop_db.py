import json
import random
import sqlite3
from pathlib import Path

import pytest

WORKSPACE = Path("/workspace")
DB = WORKSPACE / "shop.db"
PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())
EXPECTED = PARAMS["expected"]

SCHEMA = {
    "customers": [
        ("customer_id", "INTEGER", True),
        ("name", "TEXT", False),
        ("email", "TEXT", False),
        ("city", "TEXT", False),
    ],
    "products": [
        ("sku", "TEXT", True),
        ("name", "TEXT", False),
        ("category", "TEXT", False),
        ("price_cents", "INTEGER", False),
    ],
    "orders": [
        ("order_id", "INTEGER", True),
        ("customer_id", "INTEGER", False),
        ("sku", "TEXT", False),
        ("quantity", "INTEGER", False),
        ("ordered_on", "TEXT", False),
        ("coupon", "TEXT", False),
    ],
}
NOT_NULL = {"name", "email", "price_cents", "customer_id", "sku", "quantity", "ordered_on"}


def connect():
    assert DB.is_file(), "shop.db was not created"
    return sqlite3.connect(f"file:{DB}?mode=ro", uri=True)


def rows(sql):
    with connect() as db:
        return [list(r) for r in db.execute(sql).fetchall()]


def test_tables_columns_types_and_keys():
    with connect() as db:
        for table, columns in SCHEMA.items():
            info = db.execute(f"PRAGMA table_info({table})").fetchall()
            assert info, f"table {table} is missing"
            got = [(r[1], r[2].upper(), r[5] > 0) for r in info]
            assert got == columns, f"{table}: {got}"
            for _, name, _, notnull, _, pk in info:
                if name in NOT_NULL and not pk:
                    assert notnull, f"{table}.{name} should be NOT NULL"


def test_foreign_keys_declared_and_satisfied():
    with connect() as db:
        keys = {(r[3], r[2], r[4]) for r in db.execute("PRAGMA foreign_key_list(orders)")}
        assert ("customer_id", "customers", "customer_id") in keys, keys
        assert ("sku", "products", "sku") in keys, keys
        broken = db.execute("PRAGMA foreign_key_check").fetchall()
        assert not broken, f"{len(broken)} rows reference nothing, e.g. {broken[:3]}"


def test_customers_loaded_and_cleaned():
    got = rows("SELECT customer_id, name, email, city FROM customers ORDER BY customer_id")
    assert len(got) == len(EXPECTED["customers"]), "row count"
    assert got == EXPECTED["customers"]
    assert rows("SELECT DISTINCT typeof(customer_id) FROM customers") == [["integer"]]


def test_products_loaded_with_prices_in_cents():
    got = rows("SELECT sku, name, category, price_cents FROM products ORDER BY sku")
    assert len(got) == len(EXPECTED["products"]), "row count"
    assert got == EXPECTED["products"]
    assert rows("SELECT DISTINCT typeof(price_cents) FROM products") == [["integer"]]


def test_orders_loaded_and_cleaned():
    got = rows(
        "SELECT order_id, customer_id, sku, quantity, ordered_on, coupon FROM orders "
        "ORDER BY order_id"
    )
    assert len(got) == len(EXPECTED["orders"]), "row count"
    assert got == EXPECTED["orders"]
    types = rows("SELECT DISTINCT typeof(customer_id), typeof(quantity) FROM orders")
    assert types == [["integer", "integer"]]


@pytest.mark.essential  # the view must stay correct on rows it has not seen
def test_view_on_rows_added_later(tmp_path):
    copy = sqlite3.connect(tmp_path / "copy.db")
    with connect() as db:
        db.backup(copy)
    rng = random.Random(PARAMS["seed"] + 99)
    customers = [(90001 + i, f"Fresh Customer {i}", f"f{i}@x.test") for i in range(5)]
    prices = {f"NEW-{i}": rng.randint(100, 99999) for i in range(4)}
    copy.executemany(
        "INSERT INTO customers(customer_id, name, email, city) VALUES (?, ?, ?, NULL)", customers
    )
    copy.executemany(
        "INSERT INTO products(sku, name, category, price_cents) VALUES (?, ?, 'x', ?)",
        [(sku, sku.lower(), cents) for sku, cents in prices.items()],
    )
    want = {}
    for i in range(40):
        cid = rng.choice(customers[:4])[0]
        sku, qty = rng.choice(sorted(prices)), rng.randint(1, 9)
        month = rng.choice(["2031-07", "2031-08"])
        copy.execute(
            "INSERT INTO orders(order_id, customer_id, sku, quantity, ordered_on, coupon) "
            "VALUES (?, ?, ?, ?, ?, NULL)",
            (990001 + i, cid, sku, qty, f"{month}-{rng.randint(1, 28):02d}"),
        )
        key = (month, cid)
        want[key] = want.get(key, 0) + qty * prices[sku]
    got = copy.execute(
        "SELECT month, customer_id, name, revenue_cents FROM customer_month_revenue "
        "WHERE month IN ('2031-07', '2031-08') ORDER BY month, customer_id"
    ).fetchall()
    names = dict((c[0], c[1]) for c in customers)
    assert got == [(m, c, names[c], cents) for (m, c), cents in sorted(want.items())]


def test_view_matches_the_month_in_question():
    found = rows("SELECT type FROM sqlite_master WHERE name = 'customer_month_revenue'")
    kind = f"a {found[0][0]}" if found else "missing"
    assert kind == "a view", f"customer_month_revenue is {kind}, expects a view"
    month = PARAMS["variables"]["month"]
    got = rows(
        "SELECT customer_id, name, revenue_cents FROM customer_month_revenue "
        f"WHERE month = '{month}' ORDER BY revenue_cents DESC, name LIMIT 3"
    )
    assert ["|".join(map(str, r)) for r in got] == EXPECTED["answer"]


def test_answer_file():
    lines = [line.strip() for line in (WORKSPACE / "answer.txt").read_text().splitlines()]
    assert [line for line in lines if line] == EXPECTED["answer"]
