import json
import random
import subprocess
from pathlib import Path

WORKSPACE = Path("/workspace")
PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())
EXPORT = WORKSPACE / "exports" / PARAMS["variables"]["export_name"]


def run_script(path):
    script = WORKSPACE / "extract.sh"
    assert script.is_file(), "extract.sh was not written"
    return subprocess.run(
        [str(script), str(path)], capture_output=True, text=True, timeout=30, cwd="/tmp"
    )


def lines(text):
    return [line for line in text.splitlines() if line.strip()]


def report(orders):
    rows = []
    for order in orders:
        if order.get("status") == "cancelled":
            continue
        email = (order.get("customer") or {}).get("email")
        email = "unknown" if email is None else email.lower()
        total = sum(i.get("qty", 1) * i["unit_price_cents"] for i in order.get("items") or [])
        rows.append((-total, order["id"], email))
    return ["order_id,email,total_cents"] + [f"{o},{e},{-t}" for t, o, e in sorted(rows)]


def test_report_csv_matches_the_dump():
    assert lines((WORKSPACE / "report.csv").read_text()) == PARAMS["expected"]["report"]


def test_script_on_the_dump():
    done = run_script(EXPORT)
    assert done.returncode == 0, done.stderr
    assert lines(done.stdout) == PARAMS["expected"]["report"]


def test_script_on_a_fresh_export(tmp_path):
    rng = random.Random(PARAMS["seed"] * 31 + 5)
    orders = []
    for oid in rng.sample(range(1, 5000), 80):
        order = {"status": rng.choice(["paid", "shipped", "cancelled", "new"]), "id": oid}
        if rng.random() < 0.9:
            order["customer"] = {"email": rng.choice(["A@X.test", "b@y.test", "Cc@Z.TEST", None])}
        if rng.random() < 0.9:
            order["items"] = [
                {"unit_price_cents": rng.choice([100, 250, 999]), "qty": rng.randint(1, 3)}
                for _ in range(rng.randint(0, 3))
            ]
            for item in order["items"]:
                if rng.random() < 0.2:
                    del item["qty"]
        orders.append(order)
    path = tmp_path / "fresh.json"
    path.write_text(json.dumps({"meta": {"n": len(orders)}, "orders": orders}))
    done = run_script(path)
    assert done.returncode == 0, done.stderr
    assert lines(done.stdout) == report(orders)


def test_script_on_the_edge_cases(tmp_path):
    orders = [
        {
            "id": 7,
            "status": "paid",
            "customer": {"email": "Zed@Example.COM"},
            "items": [
                {"sku": "a", "qty": 2, "unit_price_cents": 500},
                {"sku": "b", "unit_price_cents": 300},
            ],
        },
        {"id": 3, "status": "shipped", "items": [{"sku": "c", "qty": 13, "unit_price_cents": 100}]},
        {
            "id": 5,
            "status": "cancelled",
            "customer": {"email": "x@y.z"},
            "items": [{"sku": "d", "qty": 1, "unit_price_cents": 99999}],
        },
        {"id": 11, "status": "pending", "customer": None, "items": None},
        {"id": 2, "status": "paid", "customer": {"name": "no email"}, "items": []},
        {"id": 9, "status": "paid", "customer": {"email": None}},
        {
            "id": 4,
            "status": "refunded",
            "customer": {"email": "q@r.s"},
            "items": [{"sku": "e", "qty": 3, "unit_price_cents": 433}],
        },
    ]
    path = tmp_path / "edge.json"
    path.write_text(json.dumps({"orders": orders}, indent=1))
    done = run_script(path)
    assert done.returncode == 0, done.stderr
    assert lines(done.stdout) == [
        "order_id,email,total_cents",
        "3,unknown,1300",
        "7,zed@example.com,1300",
        "4,q@r.s,1299",
        "2,unknown,0",
        "9,unknown,0",
        "11,unknown,0",
    ]
