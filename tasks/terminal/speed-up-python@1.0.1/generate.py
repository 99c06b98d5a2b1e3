"""Seeded slow analytics module (quadratic near-duplicate filter) and production-sized events."""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left, insort
from random import Random
from typing import Any

from skillgym.envs.terminal.generation import Generated

FUNCTIONS = ["dedupe_events", "drop_near_duplicates", "collapse_repeats"]
USER_FIELDS = ["user", "account", "customer_id"]
KIND_FIELDS = ["kind", "action", "event_type"]
TIME_FIELDS = ["ts", "timestamp", "at"]
PRODUCTION_SIZE = 240_000
"""Events in a day: the quadratic filter needs minutes on them."""
KINDS = ["login", "logout", "purchase", "refund", "search", "view", "signup", "reset_password"]

TEMPLATE = '''"""Event analytics for the nightly report.

The nightly job loads the day's events (one JSON object per line) and filters out
near-duplicates before counting: clients retry, and load balancers replay requests.
"""

from __future__ import annotations

import json
import sys
from collections import Counter


def load_events(path):
    """The events of a JSON-lines file, in file order."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def {function}(events, window):
    """Drop the near-duplicates among `events` (dicts) and return the rest, in input order.

    An event is a near-duplicate when an event kept before it has the same {user_field},
    the same {kind_field} and a {time_field} close to its own (see `window`). Timestamps are
    integer seconds and are NOT always in order: producers flush late.
    """
    kept = []
    for event in events:
        who = event["{user_field}"]
        what = {normalize}
        when = event["{time_field}"]
        for earlier in kept:
            if earlier["{user_field}"] != who:
                continue
            if {normalize_earlier} != what:
                continue
            if abs(earlier["{time_field}"] - when) {comparison} window:
                break
        else:
            kept.append(event)
    return kept


def summarize(events):
    """Events per {kind_field}, most frequent first."""
    return Counter(event["{kind_field}"].lower() for event in events).most_common()


def main(argv):
    """python3 analytics.py EVENTS.jsonl [WINDOW]: the filtered counts per {kind_field}."""
    events = load_events(argv[1])
    window = int(argv[2]) if len(argv) > 2 else {window}
    kept = {function}(events, window)
    print(f"{{len(events)}} events, {{len(kept)}} after removing near-duplicates")
    for name, count in summarize(kept):
        print(f"{{name:>16}} {{count}}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
'''
NORMALIZERS = {
    "lower": ('event["{kind_field}"].lower()', 'earlier["{kind_field}"].lower()'),
    "strip-lower": (
        'event["{kind_field}"].strip().lower()',
        'earlier["{kind_field}"].strip().lower()',
    ),
    "exact": ('event["{kind_field}"]', 'earlier["{kind_field}"]'),
}


def make_spec(rng: Random) -> dict[str, Any]:
    """The seeded shape of the module: names, normalization and the window's bound."""
    return {
        "function": rng.choice(FUNCTIONS),
        "user_field": rng.choice(USER_FIELDS),
        "kind_field": rng.choice(KIND_FIELDS),
        "time_field": rng.choice(TIME_FIELDS),
        "normalize": rng.choice(["lower", "strip-lower", "exact"]),
        "inclusive": rng.random() < 0.5,
        "window": rng.choice([30, 60, 90, 120, 300]),
    }


def module_source(spec: dict[str, Any]) -> str:
    """The slow module's source."""
    fields = {k: spec[k] for k in ("user_field", "kind_field", "time_field")}
    normalize, normalize_earlier = (
        text.format(**fields) for text in NORMALIZERS[spec["normalize"]]
    )
    return TEMPLATE.format(
        **fields,
        function=spec["function"],
        normalize=normalize,
        normalize_earlier=normalize_earlier,
        comparison="<=" if spec["inclusive"] else "<",
        window=spec["window"],
    )


def normalized(kind: str, how: str) -> str:
    """A kind as the module compares it."""
    if how == "lower":
        return kind.lower()
    if how == "strip-lower":
        return kind.strip().lower()
    return kind


def reference(events: list[dict[str, Any]], window: int, spec: dict[str, Any]) -> list[int]:
    """The indices of the kept events: the slow module's result, fast."""
    reach = window if spec["inclusive"] else window - 1  # |dt| <= reach, integers
    kept_times: dict[tuple[Any, str], list[int]] = {}
    kept = []
    for index, event in enumerate(events):
        key = (event[spec["user_field"]], normalized(event[spec["kind_field"]], spec["normalize"]))
        when = event[spec["time_field"]]
        times = kept_times.setdefault(key, [])
        at = bisect_left(times, when - reach)
        if reach >= 0 and at < len(times) and times[at] <= when + reach:
            continue
        insort(times, when)
        kept.append(index)
    return kept


def make_events(rng: Random, n: int, spec: dict[str, Any], order: str) -> list[dict[str, Any]]:
    """``n`` events with retries and replays; ``order``: 'jitter' or 'shuffled'."""
    users = [f"u{rng.randrange(10**6):06d}" for _ in range(max(2, n // 25))]
    variants = {k: [k, k.upper(), k.title(), f" {k}", f"{k} "] for k in KINDS}
    events: list[dict[str, Any]] = []
    now = 1_741_000_000
    for _ in range(n):
        if events and rng.random() < 0.35:
            base = events[-rng.randint(1, min(len(events), 40))]
            event = dict(base)
            event[spec["time_field"]] = base[spec["time_field"]] + rng.randint(
                -spec["window"] - 2, spec["window"] + 2
            )
            event[spec["kind_field"]] = rng.choice(
                variants[base[spec["kind_field"]].strip().lower()]
            )
        else:
            now += rng.randint(0, 3)
            event = {
                spec["user_field"]: rng.choice(users),
                spec["kind_field"]: rng.choice(variants[rng.choice(KINDS)]),
                spec["time_field"]: now + rng.randint(-120, 5),
            }
        events.append(event)
    if order == "shuffled":
        rng.shuffle(events)
    for number, event in enumerate(events):
        event["id"] = number
    return events


def digest_ids(ids: list[int]) -> str:
    """A short fingerprint of a list of kept indices."""
    return hashlib.sha256(json.dumps(ids).encode()).hexdigest()


def jsonl(events: list[dict[str, Any]]) -> str:
    """Events as JSON lines."""
    return "".join(json.dumps(event, separators=(",", ":")) + "\n" for event in events)


def generate(rng: Random) -> Generated:
    """The slow module, a production-sized day of events, a sample, and the kept events."""
    spec = make_spec(rng)
    events = make_events(rng, PRODUCTION_SIZE, spec, "jitter")
    sample = make_events(rng, 1500, spec, "jitter")
    kept = reference(events, spec["window"], spec)
    return Generated(
        variables={"function": spec["function"], "n_prod": f"{PRODUCTION_SIZE:,}"},
        files={
            "analytics.py": module_source(spec),
            "data/events.jsonl": jsonl(events),
            "data/sample.jsonl": jsonl(sample),
        },
        expected={"spec": spec, "kept_count": len(kept), "kept_sha256": digest_ids(kept)},
    )
