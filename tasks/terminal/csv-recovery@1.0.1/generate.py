"""Seeded corrupted CSV exports: BOM, CRLF, mixed separators, stray quotes, Latin-1 rows."""

from __future__ import annotations

import base64
import csv
import re
import unicodedata
from datetime import date, timedelta
from random import Random

from skillgym.envs.terminal.generation import Generated

SCHEMAS = [
    {
        "stem": "orders",
        "labels": ["Order ID", "Customer", "E-mail", "Total", "Order date"],
        "clean": ["order_id", "customer", "email", "total", "order_date"],
        "system": "the web shop",
    },
    {
        "stem": "payments",
        "labels": ["Payment ID", "Payer", "Email address", "Amount", "Paid on"],
        "clean": ["payment_id", "payer", "email", "amount", "paid_on"],
        "system": "the payment provider",
    },
    {
        "stem": "refunds",
        "labels": ["Refund No", "Customer name", "Contact e-mail", "Refund amount", "Refund date"],
        "clean": ["refund_no", "customer_name", "contact_email", "refund_amount", "refund_date"],
        "system": "the returns desk",
    },
    {
        "stem": "subscriptions",
        "labels": ["Subscription", "Subscriber", "Mail", "Monthly fee", "Start date"],
        "clean": ["subscription_id", "subscriber", "mail", "monthly_fee", "start_date"],
        "system": "the billing system",
    },
]
FIRST = [
    "Anna", "Jürgen", "José", "Françoise", "Åsa", "Søren", "Zoë", "Chloé", "Renée", "Björn",
    "Mark", "Laura", "Ines", "Núria", "Tomás", "Emma", "Oliver", "Noah", "Mia", "Lukas",
    "Sofia", "Hannah", "Ömer", "Daniel", "Clara", "Pablo", "Léa", "Karl", "Maja", "Ivan",
]  # fmt: skip
LAST = [
    "Müller", "Schmidt", "García", "Dubois", "Nørgaard", "Åberg", "Smith", "Jones", "Brown",
    "Rossi", "Fernández", "Lefèvre", "Weiß", "Öztürk", "Novak", "Kowalski", "Jensen",
    "Martin", "O'Neil", "Silva", "Costa", "Meyer", "Hoffmann", "Ibáñez",
]  # fmt: skip
DOMAINS = ["example.com", "mail.test", "post.example.org", "inbox.test"]
AMOUNT = re.compile(r"^\d+\.\d{2}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ---- the rules the instruction states, as a reference implementation ---------------------
def is_valid_date(text: str) -> bool:
    """A real calendar date written YYYY-MM-DD."""
    if not ISO_DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def recover(data: bytes, labels: list[str]) -> tuple[list[list[str]], int]:
    """The valid records of a corrupted export and how many lines were dropped."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    headers = {",".join(labels), ";".join(labels)}
    rows, dropped = [], 0
    for raw in data.split(b"\n"):
        raw = raw.removesuffix(b"\r")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            line = raw.decode("latin-1")
        if not line.strip() or line.strip() in headers:
            continue
        sep = ";" if ";" in line else ","
        if line.count('"') % 2:
            line = line.replace('"', "")
        fields = [f.strip() for f in next(csv.reader([line], delimiter=sep))]
        if len(fields) == 5:
            fields[3] = fields[3].replace(",", ".")
            ident, name, email, amount, day = fields
            if ident.isdigit() and name and email and AMOUNT.match(amount) and is_valid_date(day):
                rows.append(fields)
                continue
        dropped += 1
    return rows, dropped


# ---- building an export -----------------------------------------------------------------
def ascii_part(text: str) -> str:
    """Lower-case ASCII letters of ``text`` (for e-mail addresses)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalpha())


def csv_line(fields: list[str], sep: str) -> str:
    """One line, quoting a field only if it holds the separator."""
    return sep.join(f'"{f}"' if sep in f else f for f in fields)


def build_export(rng: Random, schema: dict, *, bom: bool, crlf: str) -> dict:
    """One corrupted export: its bytes, the records it holds and how many lines drop.

    ``crlf`` is "all", "mixed" or "none": which lines end in CRLF.
    """
    labels = schema["labels"]
    lines: list[bytes] = []
    intended: list[list[str]] = []
    dropped = 0
    ident = rng.randint(10000, 60000)
    day0 = date(2024, 1, 1) + timedelta(days=rng.randint(0, 200))
    chunk_left = rng.randint(30, 60)
    for _ in range(rng.randint(150, 230)):
        chunk_left -= 1
        if chunk_left == 0:  # the export was glued together from chunks
            chunk_left = rng.randint(30, 60)
            lines.append(rng.choice([",", ",", ";"]).join(labels).encode())
            if rng.random() < 0.5:
                lines.append(rng.choice([b"", b"  "]))
        ident += rng.randint(1, 9)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{last}, {first}" if rng.random() < 0.2 else f"{first} {last}"
        email = f"{ascii_part(first)}.{ascii_part(last)}{rng.randint(1, 99)}@{rng.choice(DOMAINS)}"
        cents = rng.randint(100, 250000)
        amount = f"{cents // 100}.{cents % 100:02d}"
        day = (day0 + timedelta(days=rng.randint(0, 300))).isoformat()
        record = [str(ident), name, email, amount, day]
        sep = ";" if rng.random() < 0.15 else ","
        shown = [str(ident), name, email, amount.replace(".", ",") if sep == ";" else amount, day]
        roll = rng.random()
        encoding = "utf-8"
        if roll < 0.05:  # truncated mid-line
            text = csv_line(shown, sep)
            text = text[: rng.randint(len(str(ident)) + 1, len(text) - 1)]
            lines.append(text.encode())
            dropped += 1
            continue
        if roll < 0.08:  # broken values
            which = rng.choice(["date", "amount", "blank-amount"])
            if which == "date":
                shown[4] = rng.choice(
                    ["2024-02-30", "2024-13-01", f"{day[8:]}/{day[5:7]}/{day[:4]}"]
                )
            else:
                shown[3] = "n/a" if which == "amount" else ""
            lines.append(csv_line(shown, sep).encode())
            dropped += 1
            continue
        text = csv_line(shown, sep)
        if roll < 0.13 and '"' not in text:  # a stray quote around the name
            quoted = rng.choice([f'"{name}', f'{name}"', f'{name[:2]}"{name[2:]}'])
            text = text.replace(name, quoted, 1)
        elif roll < 0.19 and '"' not in text:  # padded fields
            parts = text.split(sep)
            text = sep.join([f"  {f}" for f in parts[:2]] + [f"{f} " for f in parts[2:]])
        elif roll < 0.27 and any(ord(c) > 127 for c in name):
            encoding = "latin-1"
        lines.append(text.encode(encoding))
        intended.append(record)
    ends = []
    for _ in lines:
        if crlf == "all" or (crlf == "mixed" and rng.random() < 0.6):
            ends.append(b"\r\n")
        else:
            ends.append(b"\n")
    header = (b"\xef\xbb\xbf" if bom else b"") + ",".join(labels).encode() + ends[0]
    body = b"".join(line + end for line, end in zip(lines, [*ends[1:], b"\n"], strict=True))
    if rng.random() < 0.5:
        body = body.rstrip(b"\r\n")  # no newline at the end of the file
    data = header + body
    rows, counted = recover(data, labels)
    assert rows == intended and counted == dropped, "the generator made an ambiguous line"
    return {"data": data, "rows": rows, "dropped": dropped}


def generate(rng: Random) -> Generated:
    """The episode's export and two fresh ones for the tests."""
    schema = rng.choice(SCHEMAS)
    export = build_export(rng, schema, bom=True, crlf="all")
    fresh = [
        build_export(rng, schema, bom=True, crlf="mixed"),
        build_export(rng, schema, bom=False, crlf="none"),
        build_export(rng, schema, bom=False, crlf="all"),
    ]
    stamp = f"2025{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    name = f"{schema['stem']}_export_{stamp}"
    return Generated(
        variables={
            "export": f"exports/{name}.csv",
            "clean": f"clean/{name}.csv",
            "header": ",".join(schema["clean"]),
            "labels": ", ".join(schema["labels"]),
            "system": schema["system"],
        },
        files={f"exports/{name}.csv": export["data"]},
        expected={
            "labels": schema["labels"],
            "header": schema["clean"],
            "rows": export["rows"],
            "dropped": export["dropped"],
            "fresh": [
                {
                    "data": base64.b64encode(f["data"]).decode(),
                    "rows": f["rows"],
                    "dropped": f["dropped"],
                }
                for f in fresh
            ],
        },
    )
