"""Seeded billing package with two planted bugs and a visible pytest suite that catches them."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from random import Random

from skillgym.envs.terminal.generation import Generated

PACKAGES = ["billkit", "invoicely", "ledgerline", "tallybook", "paydesk", "duebook"]
CURRENCIES = ["EUR", "USD", "GBP", "CHF", "SEK"]
TAX_RATES = ["7", "8.5", "19", "20", "21", "25"]

MONEY = '''"""Money amounts as Decimal, rounded to whole cents."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
CURRENCY = "@@CURRENCY@@"


def parse_amount(text):
    """Parse an amount such as '1,234.50' or ' 99.9 ' (thousands separators allowed)."""
    return Decimal(text.replace(",", "").strip())


def round_money(value):
    """Round a Decimal to whole cents; a half cent rounds away from zero.

    Commercial rounding, as our accounting department requires:
    2.345 -> 2.35, 2.355 -> 2.36, -2.345 -> -2.35.
    """
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value):
    """'@@CURRENCY@@ 1,234.50': the currency code, a space, the rounded amount with separators."""
    return f"{CURRENCY} {round_money(value):,.2f}"
'''

PRICING = '''"""Volume discounts and line totals."""

from .money import round_money

TIERS = @@TIERS@@
"""(minimum quantity, discount percent) per tier, in ascending order."""


def volume_discount_pct(quantity):
    """The volume discount, in percent, for a line of ``quantity`` units.

    A line gets the discount of the highest tier whose minimum quantity it reaches: a line
    of exactly a tier's minimum quantity gets that tier. Below the first tier: 0.
    """
    pct = 0
    for minimum, tier_pct in TIERS:
        if quantity >= minimum:
            pct = tier_pct
    return pct


def line_total(quantity, unit_price):
    """quantity x unit_price less the volume discount, rounded to cents once, at the end."""
    gross = unit_price * quantity
    return round_money(gross * (100 - volume_discount_pct(quantity)) / 100)
'''

TERMS = '''"""Payment terms: due dates and overdue status."""

from datetime import timedelta


def due_date(issued, net_days):
    """The date payment is due: ``net_days`` calendar days after the issue date.

    Net 30 on an invoice issued on 1 March is due on 31 March.
    """
    return issued + timedelta(days=net_days)


def is_overdue(issued, net_days, today):
    """Whether the invoice is overdue on ``today``: only after its due date, never on it."""
    return today > due_date(issued, net_days)


def days_overdue(issued, net_days, today):
    """Whole days past the due date on ``today``; 0 when not overdue."""
    return max(0, (today - due_date(issued, net_days)).days)
'''

STATEMENT = '''"""Splitting an invoice's lines into printed statement pages."""

PER_PAGE = @@PER_PAGE@@


def page_count(n_items, per_page=PER_PAGE):
    """How many pages ``n_items`` lines need: a partly filled last page is a page too.

    Always at least 1, even for an invoice without lines.
    """
    return max(1, -(-n_items // per_page))


def paginate(items, page, per_page=PER_PAGE):
    """The items printed on page ``page`` (pages are numbered from 1); [] past the last page."""
    start = (page - 1) * per_page
    return items[start : start + per_page]
'''

INVOICE = '''"""An invoice: its lines, tax, totals and terms."""

from dataclasses import dataclass, field
from decimal import Decimal

from .money import round_money
from .pricing import line_total
from .terms import due_date, is_overdue


@dataclass
class Line:
    """One invoice line."""

    sku: str
    quantity: int
    unit_price: Decimal

    def total(self):
        """The line's total after its volume discount."""
        return line_total(self.quantity, self.unit_price)


@dataclass
class Invoice:
    """An invoice; ``tax_rate`` is a percentage (Decimal("19") is 19 %)."""

    number: str
    issued: object
    net_days: int
    tax_rate: Decimal
    lines: list = field(default_factory=list)

    def subtotal(self):
        """The sum of the line totals."""
        return sum((line.total() for line in self.lines), Decimal("0"))

    def tax(self):
        """Tax on the subtotal, rounded to cents."""
        return round_money(self.subtotal() * self.tax_rate / 100)

    def total(self):
        """Subtotal plus tax."""
        return self.subtotal() + self.tax()

    def due(self):
        """The due date."""
        return due_date(self.issued, self.net_days)

    def overdue(self, today):
        """Whether the invoice is overdue on ``today``."""
        return is_overdue(self.issued, self.net_days, today)
'''

INIT = '''"""@@PACKAGE@@: invoices, prices, payment terms and statements."""

from .invoice import Invoice, Line

__all__ = ["Invoice", "Line"]
'''

# Each bug: (module file, the correct text, the planted text).
BUGS = {
    "rounding": [
        ("money.py", "import ROUND_HALF_UP, Decimal", "import ROUND_HALF_EVEN, Decimal"),
        ("money.py", "rounding=ROUND_HALF_UP)", "rounding=ROUND_HALF_EVEN)"),
    ],
    "tier-boundary": [("pricing.py", "if quantity >= minimum:", "if quantity > minimum:")],
    "due-date": [("terms.py", "timedelta(days=net_days)", "timedelta(days=net_days - 1)")],
    "overdue": [("terms.py", "return today > due_date(", "return today >= due_date(")],
    "paginate": [("statement.py", "start = (page - 1) * per_page", "start = page * per_page")],
    "page-count": [
        ("statement.py", "max(1, -(-n_items // per_page))", "max(1, n_items // per_page)")
    ],
}


def ref_round(value: Decimal) -> Decimal:
    """Commercial rounding to cents."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ref_discount(tiers: list[tuple[int, int]], quantity: int) -> int:
    """The correct volume discount."""
    pct = 0
    for minimum, tier_pct in tiers:
        if quantity >= minimum:
            pct = tier_pct
    return pct


def ref_line_total(tiers: list[tuple[int, int]], quantity: int, price: Decimal) -> Decimal:
    """The correct line total."""
    return ref_round(price * quantity * (100 - ref_discount(tiers, quantity)) / 100)


def random_price(rng: Random) -> Decimal:
    """A unit price with sub-cent precision now and then."""
    cents = rng.randint(99, 25000)
    extra = rng.choice(["", "", "5", "25"])
    return Decimal(f"{cents // 100}.{cents % 100:02d}{extra}")


def tests_money(package: str, currency: str, rng: Random) -> str:
    """test_money.py: parsing, commercial rounding, formatting."""
    whole = rng.randint(1000, 99999)
    cents = rng.randint(0, 99)
    text = f"{whole:,}.{cents:02d}"
    base = rng.randint(0, 40)
    even = rng.choice(range(0, 99, 2))
    half = f"{base}.{even:02d}5"
    half_up = ref_round(Decimal(half))
    big = Decimal(f"{rng.randint(1000, 999999)}.{rng.choice(range(0, 99, 2)):02d}5")
    return f'''from decimal import Decimal

from {package}.money import format_money, parse_amount, round_money


def test_parse_amount_with_separators():
    assert parse_amount("{text}") == Decimal("{whole}.{cents:02d}")
    assert parse_amount(" 12.5 ") == Decimal("12.5")


def test_round_money_half_cent_goes_up():
    assert round_money(Decimal("{half}")) == Decimal("{half_up}")
    assert round_money(Decimal("-{half}")) == Decimal("-{half_up}")


def test_round_money_leaves_cents_alone():
    assert round_money(Decimal("{base}.{even:02d}")) == Decimal("{base}.{even:02d}")
    assert round_money(Decimal("{base}.{even:02d}4")) == Decimal("{base}.{even:02d}")


def test_format_money():
    assert format_money(Decimal("{big}")) == "{currency} {ref_round(big):,.2f}"
'''


def tests_pricing(package: str, tiers: list[tuple[int, int]], rng: Random) -> str:
    """test_pricing.py: tiers and line totals."""
    (t1, _), (t2, p2), (t3, _) = tiers
    inside = rng.randint(t1 + 1, t2 - 1)
    price = random_price(rng)
    at_price = random_price(rng)
    return f'''from decimal import Decimal

from {package}.pricing import TIERS, line_total, volume_discount_pct


def test_no_discount_below_the_first_tier():
    assert volume_discount_pct({t1 - 1}) == 0
    assert volume_discount_pct(1) == 0


def test_a_tier_starts_at_its_minimum_quantity():
    assert volume_discount_pct({t2}) == {p2}
    assert volume_discount_pct({t3 + 5}) == TIERS[-1][1]


def test_line_total_inside_a_tier():
    assert line_total({inside}, Decimal("{price}")) == Decimal("{ref_line_total(tiers, inside, price)}")


def test_line_total_at_a_tier_minimum():
    assert line_total({t3}, Decimal("{at_price}")) == Decimal("{ref_line_total(tiers, t3, at_price)}")
'''


def tests_terms(package: str, rng: Random) -> str:
    """test_terms.py: due dates and overdue status."""
    issued = date(2025, rng.randint(1, 12), rng.randint(1, 28))
    net = rng.choice([14, 21, 30, 45, 60])
    due = issued + timedelta(days=net)
    late = rng.randint(2, 40)
    later = due + timedelta(days=late)
    return f"""from datetime import date

from {package}.terms import days_overdue, due_date, is_overdue

ISSUED = date({issued.year}, {issued.month}, {issued.day})


def test_due_date_is_net_days_after_issue():
    assert due_date(ISSUED, {net}) == date({due.year}, {due.month}, {due.day})


def test_not_overdue_on_the_due_date():
    due = date({due.year}, {due.month}, {due.day})
    assert is_overdue(ISSUED, {net}, due) is False
    assert days_overdue(ISSUED, {net}, due) == 0


def test_overdue_after_the_due_date():
    later = date({later.year}, {later.month}, {later.day})
    assert is_overdue(ISSUED, {net}, later) is True
    assert days_overdue(ISSUED, {net}, later) == {late}
"""


def tests_statement(package: str, per_page: int, rng: Random) -> str:
    """test_statement.py: page counts and pages."""
    full = rng.randint(2, 5)
    rest = rng.randint(1, per_page - 1)
    n = full * per_page + rest
    return f"""from {package}.statement import PER_PAGE, page_count, paginate

LINES = [f"line-{{i}}" for i in range({n})]


def test_page_count_counts_a_partial_last_page():
    assert page_count({n}) == {full + 1}
    assert page_count({full * per_page}) == {full}
    assert page_count(0) == 1


def test_first_page():
    assert paginate(LINES, 1) == LINES[:PER_PAGE]


def test_last_page_and_beyond():
    assert paginate(LINES, {full + 1}) == LINES[{full * per_page}:]
    assert paginate(LINES, {full + 2}) == []
"""


def tests_invoice(package: str, tiers: list[tuple[int, int]], tax: str, rng: Random) -> str:
    """test_invoice.py: totals of a whole invoice."""
    lines = []
    for i in range(rng.randint(3, 5)):
        quantity = rng.choice([rng.randint(1, tiers[0][0] - 1), rng.randint(1, tiers[2][0] + 10)])
        lines.append((f"SKU-{rng.randint(100, 999)}-{i}", quantity, random_price(rng)))
    subtotal = sum((ref_line_total(tiers, q, p) for _, q, p in lines), Decimal("0"))
    tax_amount = ref_round(subtotal * Decimal(tax) / 100)
    rows = "\n".join(f'        Line("{s}", {q}, Decimal("{p}")),' for s, q, p in lines)
    number = f"INV-{rng.randint(1000, 9999)}"
    return f'''from datetime import date
from decimal import Decimal

from {package} import Invoice, Line


def make_invoice():
    lines = [
{rows}
    ]
    return Invoice("{number}", date(2025, 6, 1), 30, Decimal("{tax}"), lines)


def test_invoice_totals():
    invoice = make_invoice()
    assert invoice.subtotal() == Decimal("{subtotal}")
    assert invoice.tax() == Decimal("{tax_amount}")
    assert invoice.total() == Decimal("{subtotal + tax_amount}")


def test_invoice_due_date_and_overdue():
    invoice = make_invoice()
    assert invoice.due() == date(2025, 7, 1)
    assert invoice.overdue(date(2025, 7, 1)) is False
    assert invoice.overdue(date(2025, 7, 2)) is True
'''


def generate(rng: Random) -> Generated:
    """One package, two planted bugs, the visible tests and what the hidden ones need."""
    package = rng.choice(PACKAGES)
    currency = rng.choice(CURRENCIES)
    tax = rng.choice(TAX_RATES)
    per_page = rng.choice([5, 6, 8, 10, 12])
    t1 = rng.randint(5, 12)
    t2 = t1 + rng.randint(8, 20)
    t3 = t2 + rng.randint(15, 40)
    p1 = rng.randint(2, 5)
    p2 = p1 + rng.randint(2, 5)
    p3 = p2 + rng.randint(3, 8)
    tiers = [(t1, p1), (t2, p2), (t3, p3)]
    bugs = sorted(rng.sample(sorted(BUGS), 2))

    sources = {
        "__init__.py": INIT.replace("@@PACKAGE@@", package),
        "money.py": MONEY.replace("@@CURRENCY@@", currency),
        "pricing.py": PRICING.replace("@@TIERS@@", repr(tiers)),
        "terms.py": TERMS,
        "statement.py": STATEMENT.replace("@@PER_PAGE@@", str(per_page)),
        "invoice.py": INVOICE,
    }
    for bug in bugs:
        for module, good, bad in BUGS[bug]:
            assert sources[module].count(good) == 1, (bug, good)
            sources[module] = sources[module].replace(good, bad)

    tests = {
        "tests/__init__.py": "",
        "tests/test_money.py": tests_money(package, currency, rng),
        "tests/test_pricing.py": tests_pricing(package, tiers, rng),
        "tests/test_terms.py": tests_terms(package, rng),
        "tests/test_statement.py": tests_statement(package, per_page, rng),
        "tests/test_invoice.py": tests_invoice(package, tiers, tax, rng),
    }
    files: dict[str, str | bytes] = {f"{package}/{name}": text for name, text in sources.items()}
    files.update(tests)
    files["README.md"] = (
        f"# {package}\n\nInvoices, volume pricing, payment terms and statement pages.\n\n"
        "Run the tests from this folder: `python3 -m pytest`\n"
    )
    count = sum(text.count("\ndef test_") for text in tests.values())
    return Generated(
        variables={"package": package},
        files=files,
        expected={
            "bugs": bugs,
            "package": package,
            "currency": currency,
            "tiers": tiers,
            "per_page": per_page,
            "test_count": count,
            "test_hashes": {
                name: hashlib.sha256(text.encode()).hexdigest() for name, text in tests.items()
            },
        },
    )
