import hashlib
import json
import random
import re
import subprocess
import sys
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

WORKSPACE = Path("/workspace")
PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())
EXPECTED = PARAMS["expected"]
PACKAGE = EXPECTED["package"]
TIERS = [tuple(t) for t in EXPECTED["tiers"]]
PER_PAGE = EXPECTED["per_page"]
CURRENCY = EXPECTED["currency"]
CLEAN_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}

# Runs in a fresh interpreter: imports the agent's package, answers a list of calls.
DRIVER = r"""
import json, sys
from datetime import date
from decimal import Decimal
sys.path.insert(0, "/workspace")
pkg = __import__(sys.argv[1])
import importlib

def decode(v):
    if isinstance(v, dict) and "D" in v:
        return Decimal(v["D"])
    if isinstance(v, dict) and "date" in v:
        return date.fromisoformat(v["date"])
    if isinstance(v, list):
        return [decode(x) for x in v]
    return v

def encode(v):
    if isinstance(v, Decimal):
        return {"D": str(v)}
    if isinstance(v, date):
        return {"date": v.isoformat()}
    if isinstance(v, (list, tuple)):
        return [encode(x) for x in v]
    return v

out = []
for call in json.load(sys.stdin):
    try:
        if call[0] == "invoice":
            inv_mod = importlib.import_module(sys.argv[1] + ".invoice")
            fields, method, margs = call[1], call[2], call[3]
            lines = [inv_mod.Line(s, q, Decimal(p)) for s, q, p in fields["lines"]]
            invoice = inv_mod.Invoice(fields["number"], date.fromisoformat(fields["issued"]),
                                      fields["net_days"], Decimal(fields["tax_rate"]), lines)
            result = getattr(invoice, method)(*[decode(a) for a in margs])
        else:
            module, name = call[0].split(".")
            func = getattr(importlib.import_module(sys.argv[1] + "." + module), name)
            result = func(*[decode(a) for a in call[1]])
        out.append(["ok", encode(result)])
    except Exception as exc:
        out.append(["error", type(exc).__name__ + ": " + str(exc)])
print(json.dumps(out))
"""


def pyflags(tmp):
    # -P: no cwd on sys.path; -s: no user site; bytecode only from a fresh private cache.
    return [sys.executable, "-P", "-s", "-X", f"pycache_prefix={tmp}/pyc"]


def run_calls(tmp_path, calls):
    done = subprocess.run(
        [*pyflags(tmp_path), "-c", DRIVER, PACKAGE],
        input=json.dumps(calls),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=str(tmp_path),
        env=CLEAN_ENV,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def D(x):
    return {"D": str(x)}


def Dt(d):
    return {"date": d.isoformat()}


# ---- reference behaviour (the docstrings) ------------------------------------------------
def ref_round(v):
    return v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ref_discount(q):
    pct = 0
    for minimum, tier_pct in TIERS:
        if q >= minimum:
            pct = tier_pct
    return pct


def ref_line_total(q, price):
    return ref_round(price * q * (100 - ref_discount(q)) / 100)


def ref_page_count(n, per_page):
    return max(1, -(-n // per_page))


def ref_paginate(items, page, per_page):
    start = (page - 1) * per_page
    return items[start : start + per_page]


def check(tmp_path, cases):
    """cases: list of (call, expected value); compare value by value."""
    answers = run_calls(tmp_path, [c for c, _ in cases])
    wrong = []
    for (call, want), (status, got) in zip(cases, answers, strict=True):
        if status != "ok":
            wrong.append(f"{call}: raised {got}")
            continue
        if isinstance(want, Decimal):
            ok = isinstance(got, dict) and "D" in got and Decimal(got["D"]) == want
        elif isinstance(want, date):
            ok = got == Dt(want)
        else:
            ok = got == want and type(got) is type(want)
        if not ok:
            wrong.append(f"{call}: expected {want!r}, got {got!r}")
    assert not wrong, f"{len(wrong)} of {len(cases)} calls wrong:\n" + "\n".join(wrong[:8])


def random_price(rng):
    cents = rng.randint(99, 40000)
    return Decimal(f"{cents // 100}.{cents % 100:02d}{rng.choice(['', '5', '25', '75'])}")


# ---- fresh cases per kind of behaviour ---------------------------------------------------
def cases_rounding(rng):
    cases = []
    for _ in range(14):
        v = Decimal(f"{rng.randint(0, 5000)}.{rng.randint(0, 99):02d}5")
        sign = rng.choice([1, -1])
        cases.append((["money.round_money", [D(v * sign)]], ref_round(v * sign)))
    v = Decimal(f"{rng.randint(1000, 99999)}.{rng.choice(range(0, 99, 2)):02d}5")
    cases.append((["money.format_money", [D(v)]], f"{CURRENCY} {ref_round(v):,.2f}"))
    return cases


def cases_tiers(rng):
    cases = []
    for minimum, _ in TIERS:
        for q in (minimum - 1, minimum, minimum + 1):
            cases.append((["pricing.volume_discount_pct", [q]], ref_discount(q)))
        price = random_price(rng)
        cases.append((["pricing.line_total", [minimum, D(price)]], ref_line_total(minimum, price)))
    return cases


def random_day(rng):
    return date(2024, 1, 1) + timedelta(days=rng.randint(0, 900))


def cases_due(rng):
    cases = []
    for _ in range(8):
        issued, net = random_day(rng), rng.choice([7, 10, 14, 15, 30, 31, 45, 60, 90])
        cases.append((["terms.due_date", [Dt(issued), net]], issued + timedelta(days=net)))
        later = rng.randint(1, 30)
        cases.append(
            (
                ["terms.days_overdue", [Dt(issued), net, Dt(issued + timedelta(days=net + later))]],
                later,
            )
        )
    return cases


def cases_overdue(rng):
    cases = []
    for _ in range(6):
        issued, net = random_day(rng), rng.choice([10, 14, 30, 45, 60])
        due = issued + timedelta(days=net)
        for shift in (-1, 0, 1, rng.randint(2, 20)):
            cases.append(
                (
                    ["terms.is_overdue", [Dt(issued), net, Dt(due + timedelta(days=shift))]],
                    shift > 0,
                )
            )
        cases.append((["terms.days_overdue", [Dt(issued), net, Dt(due)]], 0))
    return cases


def cases_paginate(rng):
    cases = []
    for per_page in (PER_PAGE, rng.randint(2, 4), rng.randint(7, 15)):
        n = per_page * rng.randint(1, 4) + rng.randint(0, per_page - 1)
        items = [f"x{rng.randint(0, 999)}-{i}" for i in range(n)]
        for page in range(1, ref_page_count(n, per_page) + 2):
            cases.append(
                (
                    ["statement.paginate", [items, page, per_page]],
                    ref_paginate(items, page, per_page),
                )
            )
    items = list(range(PER_PAGE * 2 + 1))
    cases.append((["statement.paginate", [items, 1]], items[:PER_PAGE]))
    return cases


def cases_page_count(rng):
    cases = []
    for per_page in (PER_PAGE, rng.randint(2, 4), rng.randint(7, 15)):
        for n in (
            0,
            1,
            per_page - 1,
            per_page,
            per_page + 1,
            per_page * 3,
            per_page * 3 + rng.randint(1, per_page - 1),
        ):
            cases.append((["statement.page_count", [n, per_page]], ref_page_count(n, per_page)))
    n = PER_PAGE * rng.randint(2, 5) + 1
    cases.append((["statement.page_count", [n]], ref_page_count(n, PER_PAGE)))
    return cases


KINDS = {
    "rounding": cases_rounding,
    "tier-boundary": cases_tiers,
    "due-date": cases_due,
    "overdue": cases_overdue,
    "paginate": cases_paginate,
    "page-count": cases_page_count,
}


def cases_invoices(rng):
    cases = []
    for k in range(4):
        lines = []
        for i in range(rng.randint(3, 9)):
            q = rng.choice([rng.randint(1, TIERS[-1][0] + 20), rng.choice(TIERS)[0]])
            lines.append([f"S{k}{i}", q, str(random_price(rng))])
        issued, net = random_day(rng), rng.choice([14, 30, 60])
        tax_rate = rng.choice(["0", "7", "19", "20.5"])
        fields = {
            "number": f"T-{k}",
            "issued": issued.isoformat(),
            "net_days": net,
            "tax_rate": tax_rate,
            "lines": lines,
        }
        subtotal = sum((ref_line_total(q, Decimal(p)) for _, q, p in lines), Decimal("0"))
        tax = ref_round(subtotal * Decimal(tax_rate) / 100)
        due = issued + timedelta(days=net)
        cases += [
            (["invoice", fields, "subtotal", []], subtotal),
            (["invoice", fields, "tax", []], tax),
            (["invoice", fields, "total", []], subtotal + tax),
            (["invoice", fields, "due", []], due),
            (["invoice", fields, "overdue", [Dt(due)]], False),
            (["invoice", fields, "overdue", [Dt(due + timedelta(days=1))]], True),
        ]
    return cases


# ---- the tests ---------------------------------------------------------------------------
def test_original_tests_pass_unchanged(tmp_path):
    for name, digest in EXPECTED["test_hashes"].items():
        path = WORKSPACE / name
        assert path.is_file(), f"{name} was deleted"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{name} was modified"
    ini = tmp_path / "pytest.ini"
    ini.write_text("[pytest]\n")
    done = subprocess.run(
        [
            *pyflags(tmp_path),
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--noconftest",
            "-c",
            str(ini),
            "--rootdir",
            str(WORKSPACE),
            "-q",
            "tests",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(WORKSPACE),
        env=CLEAN_ENV,
    )
    tail = done.stdout[-3000:]
    assert done.returncode == 0, tail
    summary = done.stdout.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) == EXPECTED["test_count"], tail
    assert not re.search(r"failed|error|skipped|xfail|xpass|deselected", summary), tail


def test_first_bug_fixed_on_fresh_inputs(tmp_path):
    kind = EXPECTED["bugs"][0]
    check(tmp_path, KINDS[kind](random.Random(PARAMS["seed"] * 31 + 1)))


def test_second_bug_fixed_on_fresh_inputs(tmp_path):
    kind = EXPECTED["bugs"][1]
    check(tmp_path, KINDS[kind](random.Random(PARAMS["seed"] * 31 + 2)))


def test_whole_api_behaves_as_documented(tmp_path):
    rng = random.Random(PARAMS["seed"] * 31 + 3)
    cases = []
    for kind in sorted(KINDS):
        cases += KINDS[kind](rng)
    cases += cases_invoices(rng)
    cases.append((["money.parse_amount", ["12,345.60"]], Decimal("12345.60")))
    check(tmp_path, cases)
