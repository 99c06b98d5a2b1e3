"""A cap table through a seed and a Series A, each with a pre-money option pool top-up.

Before each priced round the unallocated pool is topped up so that it is the target
share of the post-money fully diluted count, with the new pool shares created before
the round (the "option pool shuffle": only the existing holders are diluted). The
top-up has a closed form: with E the fully diluted shares before the round, P the
pool before the top-up, V the pre-money valuation, I the investment and p the target,

    P + N = p (E + N) (V + I) / V   =>   N = (k E - P) / (1 - k),   k = p (V + I) / V.

Pool top-ups and investors' shares are rounded to whole shares as Excel's ROUND does
(half away from zero); the price per share is not rounded.

Verifier 1 checked the prices, the top-ups and the shares and ownership after each
round; verifier 2 checks every row of Rounds and every column of CapTable (each named;
the typed 0s the instruction allows may stay typed), that each is computed from the
cells the instruction names (the price from pre-money and the pre-money shares, the
investors' shares from the price, the shares after a round from the shares before and
the new ones...), and moves every input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from random import Random
from typing import Any

from openpyxl import Workbook
from pydantic import BaseModel, ConfigDict

from skillgym.envs.spreadsheet.scenario import (
    Cells,
    CellTruth,
    Coverage,
    Link,
    Move,
    Output,
    Overrides,
    Scenario,
    Truth,
    define_name,
    inputs_sheet,
    write_call,
)
from skillgym.envs.spreadsheet.solvers import excel_round

COMPANIES = (
    "Lumen Robotics",
    "Quillwork",
    "Parcelpoint",
    "Tidewater Bio",
    "Kestrel Security",
    "Sprocket Labs",
    "Mossgrove Energy",
)
FIRST_NAMES = ("Ana", "Ben", "Chloe", "Dev", "Elif", "Farah", "Gus", "Hana", "Ivan", "Jonas")
SEED_FUND = ("Acorn Seed Fund", "Pebble Ventures", "First Light Capital", "Sprout Partners")
LEADS = ("Meridian Capital", "Northstar Ventures", "Granite Partners", "Harbor Growth")
CO_INVESTORS = ("Blue Kite Fund", "Cobalt Angels", "Juniper Capital", "Redwood Syndicate")

ROUND_INPUTS = (  # name, label, row on Inputs
    ("PoolShares0", "Unallocated option pool before the seed (shares)", 2),
    ("SeedPreMoney", "Seed pre-money valuation ($)", 3),
    ("SeedInvestment", "Seed investment ($)", 4),
    ("SeedPoolTarget", "Seed: pool target (% of post-money fully diluted)", 5),
    ("SeriesAPreMoney", "Series A pre-money valuation ($)", 6),
    ("SeriesALead", "Series A investment: lead ($)", 7),
    ("SeriesACo", "Series A investment: co-investor ($)", 8),
    ("SeriesAPoolTarget", "Series A: pool target (% of post-money fully diluted)", 9),
)
FOUNDER_ROW = 12  # Inputs row of the first founder's shares
ROUNDS_ROWS = (
    "",
    "Pre-money valuation ($)",
    "Investment ($)",
    "Post-money valuation ($)",
    "Pool target (% of post-money fully diluted)",
    "Fully diluted shares before the round (before the top-up)",
    "Unallocated pool before the top-up",
    "Pool top-up (new shares)",
    "Pre-money fully diluted shares (incl. the top-up)",
    "Price per share ($)",
    "New shares issued to the round's investors",
    "Post-money fully diluted shares",
)
CAP_HEADERS = (
    "Holder",
    "Shares before the seed",
    "Seed: new shares",
    "Shares after the seed",
    "Ownership after the seed",
    "Series A: new shares",
    "Shares after the Series A",
    "Ownership after the Series A",
)


def pool_top_up(
    before: float, pool: float, pre_money: float, investment: float, target: float
) -> float:
    """The unrounded top-up N with pool + N = target x (before + N) x post / pre."""
    k = target * (pre_money + investment) / pre_money
    return (k * before - pool) / (1 - k)


def rounds(x: Mapping[str, float], founders: int) -> dict[str, Any]:
    """Both rounds from the inputs alone; also the unrounded quantities that get rounded."""
    founder_shares = [x[f"FounderShares{i}"] for i in range(1, founders + 1)]
    pool0 = x["PoolShares0"]
    before_seed = sum(founder_shares) + pool0
    raw_seed_pool = pool_top_up(
        before_seed, pool0, x["SeedPreMoney"], x["SeedInvestment"], x["SeedPoolTarget"]
    )
    seed_pool = max(0.0, excel_round(raw_seed_pool))
    seed_price = x["SeedPreMoney"] / (before_seed + seed_pool)
    raw_seed_shares = x["SeedInvestment"] / seed_price
    seed_shares = excel_round(raw_seed_shares)
    pool1 = pool0 + seed_pool
    post_seed = [*founder_shares, pool1, seed_shares]
    before_a = before_seed + seed_pool + seed_shares
    raw_a_pool = pool_top_up(
        before_a,
        pool1,
        x["SeriesAPreMoney"],
        x["SeriesALead"] + x["SeriesACo"],
        x["SeriesAPoolTarget"],
    )
    a_pool = max(0.0, excel_round(raw_a_pool))
    a_price = x["SeriesAPreMoney"] / (before_a + a_pool)
    raw_lead, raw_co = x["SeriesALead"] / a_price, x["SeriesACo"] / a_price
    lead, co = excel_round(raw_lead), excel_round(raw_co)
    post_a = [*founder_shares, pool1 + a_pool, seed_shares, lead, co]
    total_seed, total_a = sum(post_seed), sum(post_a)
    return {
        "SharePrice": [seed_price, a_price],
        "PoolTopUp": [seed_pool, a_pool],
        "PostSeedShares": post_seed,
        "PostSeedOwnership": [s / total_seed for s in post_seed],
        "PostSeriesAShares": post_a,
        "PostSeriesAOwnership": [s / total_a for s in post_a],
        "raw": [raw_seed_pool, raw_seed_shares, raw_a_pool, raw_lead, raw_co],
    }


def truth_for(founders: int) -> Truth:
    """The truth for a cap table with ``founders`` founders."""

    def truth(x: Mapping[str, float]) -> dict[str, list[float]]:
        result = rounds(x, founders)
        del result["raw"]
        return result

    return truth


ROUNDS_NAMES = (  # verifier 2: every row of Rounds, B (seed) and C (Series A)
    ("PreMoney", 2, "pre-money valuation"),
    ("Investment", 3, "investment"),
    ("PostMoney", 4, "post-money valuation"),
    ("PoolTarget", 5, "pool target"),
    ("SharesBefore", 6, "fully diluted shares before the round"),
    ("PoolBefore", 7, "pool before the top-up"),
    ("PoolTopUp", 8, "pool top-up shares"),
    ("PreMoneyShares", 9, "pre-money fully diluted shares"),
    ("SharePrice", 10, "price per share"),
    ("NewInvestorShares", 11, "new shares issued to the investors"),
    ("PostMoneyShares", 12, "post-money fully diluted shares"),
)
CAP_NAMES = (  # verifier 2: every column of CapTable, holders and the total
    ("SharesBeforeSeed", "B", "shares before the seed"),
    ("SeedNewShares", "C", "new shares in the seed"),
    ("SharesAfterSeed", "D", "shares after the seed"),
    ("OwnershipAfterSeed", "E", "ownership after the seed"),
    ("SeriesANewShares", "F", "new shares in the Series A"),
    ("SharesAfterSeriesA", "G", "shares after the Series A"),
    ("OwnershipAfterSeriesA", "H", "ownership after the Series A"),
)


def _rounded_top_up(before: float, pool: float, pre: float, post: float, target: float) -> float:
    """The top-up as the sheet computes it from the post-money cell, rounded, never below 0."""
    k = target * post / pre
    return max(0.0, excel_round((k * before - pool) / (1 - k)))


def cells_for(founders: int) -> CellTruth:
    """Verifier 2's truth: every Rounds and CapTable cell, some held."""
    pool, seed, lead, co = founders, founders + 1, founders + 2, founders + 3

    def truth(x: Mapping[str, float], held: Overrides) -> dict[str, list[float]]:
        cells = Cells(held)
        put = cells.put
        founder_shares = [x[f"FounderShares{i}"] for i in range(1, founders + 1)]
        b = cells.put_all("SharesBeforeSeed", [*founder_shares, x["PoolShares0"], 0.0, 0.0, 0.0])
        b_total = put("SharesBeforeSeed", sum(b))
        seed_round = _round(cells, x, "Seed", (b_total, b[pool]))
        c = [0.0] * founders + [seed_round["top_up"], 0.0, 0.0, 0.0]
        c[seed] = excel_round(seed_round["investment"] / seed_round["price"])
        c = cells.put_all("SeedNewShares", c)
        put("SeedNewShares", sum(c))
        new = put("NewInvestorShares", c[seed])
        put("PostMoneyShares", seed_round["pre_shares"] + new)
        d = cells.put_all("SharesAfterSeed", [b[i] + c[i] for i in range(len(b))])
        d_total = put("SharesAfterSeed", sum(d))
        e = cells.put_all("OwnershipAfterSeed", [share / d_total for share in d])
        put("OwnershipAfterSeed", sum(e))
        a_round = _round(cells, x, "SeriesA", (d_total, d[pool]))
        f = [0.0] * founders + [a_round["top_up"], 0.0, 0.0, 0.0]
        f[lead] = excel_round(x["SeriesALead"] / a_round["price"])
        f[co] = excel_round(x["SeriesACo"] / a_round["price"])
        f = cells.put_all("SeriesANewShares", f)
        put("SeriesANewShares", sum(f))
        new = put("NewInvestorShares", f[lead] + f[co])
        put("PostMoneyShares", a_round["pre_shares"] + new)
        g = cells.put_all("SharesAfterSeriesA", [d[i] + f[i] for i in range(len(d))])
        g_total = put("SharesAfterSeriesA", sum(g))
        h = cells.put_all("OwnershipAfterSeriesA", [share / g_total for share in g])
        put("OwnershipAfterSeriesA", sum(h))
        return cells.rows

    return truth


def _round(
    cells: Cells, x: Mapping[str, float], which: str, holdings: tuple[float, float]
) -> dict[str, float]:
    """One column of Rounds, rows 2-10 (rows 11 and 12 follow the cap table's new shares)."""
    put = cells.put
    if which == "Seed":
        pre = put("PreMoney", x["SeedPreMoney"])
        investment = put("Investment", x["SeedInvestment"])
        target_input = x["SeedPoolTarget"]
    else:
        pre = put("PreMoney", x["SeriesAPreMoney"])
        investment = put("Investment", x["SeriesALead"] + x["SeriesACo"])
        target_input = x["SeriesAPoolTarget"]
    post = put("PostMoney", pre + investment)
    target = put("PoolTarget", target_input)
    before = put("SharesBefore", holdings[0])
    pool = put("PoolBefore", holdings[1])
    top_up = put("PoolTopUp", _rounded_top_up(before, pool, pre, post, target))
    pre_shares = put("PreMoneyShares", before + top_up)
    price = put("SharePrice", pre / pre_shares)
    return {
        "top_up": top_up,
        "pre_shares": pre_shares,
        "price": price,
        "investment": investment,
    }


def _targets_sensible(x: Mapping[str, float]) -> bool:
    return 0 < x["SeedPoolTarget"] < 0.5 and 0 < x["SeriesAPoolTarget"] < 0.5


def _whole_shares(rng: Random, shares: float) -> float:
    return float(round(shares * (1 + rng.choice((-1, 1)) * rng.uniform(0.05, 0.2)), -3))


def _links(founders: int) -> list[Link]:
    """What each cell feeds, as the instruction builds it."""
    pool, seed, lead, co, total = (founders + k for k in range(5))
    first = {name: ((name, 0),) for name, _, _ in (*ROUNDS_NAMES, *CAP_NAMES)}
    links = [
        Link("PreMoney", (("PostMoney", 0), ("PoolTopUp", 0), ("SharePrice", 0))),
        Link("Investment", first["PostMoney"]),
        Link("SharesBefore", (("PoolTopUp", 0), ("PreMoneyShares", 0))),
        Link("PoolBefore", first["PoolTopUp"]),
        Link("PoolTopUp", (("PreMoneyShares", 0), ("SeedNewShares", pool))),
        Link("PreMoneyShares", first["SharePrice"]),
        Link("SharePrice", (("SeedNewShares", seed),)),
        Link("NewInvestorShares", first["PostMoneyShares"]),
        Link("SharesBeforeSeed", (("SharesAfterSeed", 0), ("SharesBeforeSeed", total))),
        Link("SeedNewShares", first["SharesAfterSeed"]),
        Link(
            "SharesAfterSeed",
            (("OwnershipAfterSeed", 0), ("SharesAfterSeriesA", 0), ("SharesAfterSeed", total)),
        ),
        Link("SeriesANewShares", first["SharesAfterSeriesA"]),
        Link("SharesAfterSeriesA", (("OwnershipAfterSeriesA", 0), ("SharesAfterSeriesA", total))),
        Link("SeriesAPrice", (("SeriesANewShares", lead), ("SeriesANewShares", co))),
        Link("SeriesAPoolTopUp", (("SeriesANewShares", pool), ("PreMoneyShares", 1))),
        Link("PostSeedTotal", (("SharesBefore", 1), ("OwnershipAfterSeed", 0))),
        Link("PostSeedPool", (("PoolBefore", 1),)),
    ]
    return links


def coverage(founders: int, total_row: int) -> Coverage:
    """What verifier 2 checks: every row and column, how they link, every input."""
    pool, seed, lead, co, total = (founders + k for k in range(5))
    typed_zeros = {  # the cells the instruction lets hold a typed 0
        "SharesBeforeSeed": {seed, lead, co},
        "SeedNewShares": {*range(founders), lead, co},
        "SeriesANewShares": {*range(founders), seed},
    }
    outputs = [Output(name, f"{label}, seed and Series A") for name, _, label in ROUNDS_NAMES]
    outputs += [
        Output(
            name,
            f"{label}, every holder and the total",
            formula_cells=tuple(i for i in range(total + 1) if i not in typed_zeros.get(name, ())),
        )
        for name, _, label in CAP_NAMES
    ]
    links = _links(founders)
    old = {"PoolTopUp", "SharePrice"}
    names = {name: f"Rounds!B{row}:C{row}" for name, row, _ in ROUNDS_NAMES if name not in old}
    names |= {name: f"CapTable!{col}2:{col}{total_row}" for name, col, _ in CAP_NAMES}
    names |= {
        "SeriesAPrice": "Rounds!C10",
        "SeriesAPoolTopUp": "Rounds!C8",
        "PostSeedTotal": f"CapTable!D{total_row}",
        "PostSeedPool": f"CapTable!D{pool + 2}",
    }
    moves: dict[str, Move] = {f"FounderShares{i}": _whole_shares for i in range(1, founders + 1)}
    moves["PoolShares0"] = _whole_shares
    return Coverage(
        outputs=outputs,
        truth=cells_for(founders),
        links=links,
        headline=(
            "SharePrice",
            "PoolTopUp",
            "PostSeedShares",
            "PostSeedOwnership",
            "PostSeriesAShares",
            "PostSeriesAOwnership",
        ),
        names=names,
        probes={
            "SeriesAPrice": ("SharePrice", 1),
            "SeriesAPoolTopUp": ("PoolTopUp", 1),
            "PostSeedTotal": ("SharesAfterSeed", total),
            "PostSeedPool": ("SharesAfterSeed", pool),
        },
        moves=moves,
        valid=lambda x: _targets_sensible(x) and _sensible(x, founders, changes=[]),
    )


def _draw(rng: Random, founders: int) -> dict[str, float]:
    x = {
        f"FounderShares{i}": float(rng.randrange(2_000_000, 6_000_001, 50_000))
        for i in range(1, founders + 1)
    }
    x["PoolShares0"] = float(rng.randrange(100_000, 500_001, 25_000))
    x["SeedPreMoney"] = float(rng.randrange(3_000_000, 10_000_001, 250_000))
    x["SeedInvestment"] = float(round(x["SeedPreMoney"] * rng.uniform(0.15, 0.4), -5))
    x["SeedPoolTarget"] = rng.randrange(80, 121, 5) / 1000
    seed_post = x["SeedPreMoney"] + x["SeedInvestment"]
    x["SeriesAPreMoney"] = float(round(seed_post * rng.uniform(2.0, 4.0) / 500_000) * 500_000)
    a_total = float(round(x["SeriesAPreMoney"] * rng.uniform(0.25, 0.5), -5))
    x["SeriesALead"] = float(round(a_total * rng.randrange(55, 81, 5) / 100 / 100_000) * 100_000)
    x["SeriesACo"] = a_total - x["SeriesALead"]
    x["SeriesAPoolTarget"] = x["SeedPoolTarget"] + rng.randrange(20, 61, 5) / 1000
    return x


def _perturbations(x: Mapping[str, float]) -> list[dict[str, float]]:
    return [
        {"SeedPreMoney": x["SeedPreMoney"] + 1_000_000},
        {
            "SeriesALead": x["SeriesALead"] + 2_000_000,
            "SeriesAPoolTarget": x["SeriesAPoolTarget"] + 0.02,
        },
        {
            "SeedPoolTarget": x["SeedPoolTarget"] + 0.02,
            "FounderShares1": x["FounderShares1"] + 250_000,
        },
    ]


def _sensible(
    x: Mapping[str, float], founders: int, changes: list[dict[str, float]] | None = None
) -> bool:
    """Real top-ups everywhere, and nothing to round within 0.001 of a half.

    Also under every change of ``changes`` (by default the fixed perturbations verifier
    1 applies).
    """
    for change in [{}, *(_perturbations(x) if changes is None else changes)]:
        raw = rounds({**x, **change}, founders)["raw"]
        if raw[0] < 10_000 or raw[2] < 10_000:
            return False
        if any(abs(v - math.floor(v) - 0.5) < 1e-3 for v in raw):
            return False
    return True


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw founders and round terms; lay out Inputs, Rounds and an empty CapTable."""
    company = rng.choice(COMPANIES)
    founders = rng.choice((2, 3))
    names = rng.sample(FIRST_NAMES, founders)
    seed_fund, lead, co = rng.choice(SEED_FUND), rng.choice(LEADS), rng.choice(CO_INVESTORS)
    inputs = _draw(rng, founders)
    while not _sensible(inputs, founders):
        inputs = _draw(rng, founders)

    workbook = Workbook()
    sheet = inputs_sheet(workbook, ROUND_INPUTS, inputs)
    sheet[f"A{FOUNDER_ROW - 1}"] = "Founders' shares before the seed"
    for i, founder in enumerate(names, start=1):
        row = FOUNDER_ROW + i - 1
        sheet[f"A{row}"], sheet[f"B{row}"] = founder, inputs[f"FounderShares{i}"]
        define_name(workbook, f"FounderShares{i}", "Inputs", f"B{row}")

    rounds_sheet = workbook.create_sheet("Rounds")
    for row, label in enumerate(ROUNDS_ROWS, start=1):
        rounds_sheet[f"A{row}"] = label
    rounds_sheet["B1"], rounds_sheet["C1"] = "Seed", "Series A"

    cap = workbook.create_sheet("CapTable")
    holders = [*names, "Option pool (unallocated)", seed_fund, lead, co, "Total (fully diluted)"]
    for column, header in zip("ABCDEFGH", CAP_HEADERS, strict=True):
        cap[f"{column}1"] = header
    for row, holder in enumerate(holders, start=2):
        cap[f"A{row}"] = holder
    pool_row = founders + 2
    seed_row, lead_row, co_row, total_row = pool_row + 1, pool_row + 2, pool_row + 3, pool_row + 4

    define_name(workbook, "SharePrice", "Rounds", "B10:C10")
    define_name(workbook, "PoolTopUp", "Rounds", "B8:C8")
    define_name(workbook, "PostSeedShares", "CapTable", f"D2:D{seed_row}")
    define_name(workbook, "PostSeedOwnership", "CapTable", f"E2:E{seed_row}")
    define_name(workbook, "PostSeriesAShares", "CapTable", f"G2:G{co_row}")
    define_name(workbook, "PostSeriesAOwnership", "CapTable", f"H2:H{co_row}")

    last = co_row
    cap_cells: dict[str, Any] = {
        f"B2:B{pool_row - 1}": f"=Inputs!B{FOUNDER_ROW}",
        f"B{pool_row}": "=Inputs!$B$2",
        f"B{seed_row}:B{co_row}": 0,
        f"C2:C{pool_row - 1}": 0,
        f"C{pool_row}": "=Rounds!$B$8",
        f"C{seed_row}": "=ROUND(Rounds!$B$3/Rounds!$B$10,0)",
        f"C{lead_row}:C{co_row}": 0,
        f"D2:D{last}": "=B2+C2",
        f"E2:E{last}": f"=D2/D${total_row}",
        f"F2:F{pool_row - 1}": 0,
        f"F{pool_row}": "=Rounds!$C$8",
        f"F{seed_row}": 0,
        f"F{lead_row}": "=ROUND(Inputs!$B$7/Rounds!$C$10,0)",
        f"F{co_row}": "=ROUND(Inputs!$B$8/Rounds!$C$10,0)",
        f"G2:G{last}": "=D2+F2",
        f"H2:H{last}": f"=G2/G${total_row}",
        f"B{total_row}:H{total_row}": f"=SUM(B2:B{last})",
    }
    rounds_cells = {
        "B2": "=Inputs!$B$3",
        "C2": "=Inputs!$B$6",
        "B3": "=Inputs!$B$4",
        "C3": "=Inputs!$B$7+Inputs!$B$8",
        "B4:C4": "=B2+B3",
        "B5": "=Inputs!$B$5",
        "C5": "=Inputs!$B$9",
        "B6": f"=CapTable!B{total_row}",
        "C6": f"=CapTable!D{total_row}",
        "B7": f"=CapTable!B{pool_row}",
        "C7": f"=CapTable!D{pool_row}",
        "B8:C8": "=MAX(0,ROUND((B5*B4/B2*B6-B7)/(1-B5*B4/B2),0))",
        "B9:C9": "=B6+B8",
        "B10:C10": "=B2/B9",
        "B11": f"=CapTable!C{seed_row}",
        "C11": f"=CapTable!F{lead_row}+CapTable!F{co_row}",
        "B12:C12": "=B9+B11",
    }
    solution = [write_call("CapTable", cap_cells), write_call("Rounds", rounds_cells)]
    founder_list = ", ".join(names[:-1]) + f" and {names[-1]}"
    return Scenario(
        workbook=workbook,
        variables={
            "company": company,
            "founder_list": founder_list,
            "founder_count": founders,
            "founder_rows": f"{2}-{pool_row - 1}",
            "founder_inputs": f"B{FOUNDER_ROW}:B{FOUNDER_ROW + founders - 1}",
            "pool_row": pool_row,
            "seed_row": seed_row,
            "lead_row": lead_row,
            "co_row": co_row,
            "total_row": total_row,
            "seed_fund": seed_fund,
            "lead": lead,
            "co_investor": co,
        },
        inputs=inputs,
        outputs=[
            Output("SharePrice", "price per share, seed and Series A"),
            Output("PoolTopUp", "pool top-up shares, seed and Series A"),
            Output("PostSeedShares", "shares after the seed per holder"),
            Output(
                "PostSeedOwnership",
                "ownership after the seed per holder",
            ),
            Output("PostSeriesAShares", "shares after the Series A per holder"),
            Output(
                "PostSeriesAOwnership",
                "ownership after the Series A per holder",
            ),
        ],
        truth=truth_for(founders),
        perturbations=_perturbations(inputs),
        solution=solution,
        model_sheets=["Rounds", "CapTable"],
        first_view=f"CapTable!A1:H{total_row}",
        coverage=coverage(founders, total_row),
    )
