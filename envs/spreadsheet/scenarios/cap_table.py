"""A cap table through a seed and a Series A, each with a pre-money option pool top-up.

Before each priced round the unallocated pool is topped up so that it is the target
share of the post-money fully diluted count, with the new pool shares created before
the round (the "option pool shuffle": only the existing holders are diluted). The
top-up has a closed form: with E the fully diluted shares before the round, P the
pool before the top-up, V the pre-money valuation, I the investment and p the target,

    P + N = p (E + N) (V + I) / V   =>   N = (k E - P) / (1 - k),   k = p (V + I) / V.

Pool top-ups and investors' shares are rounded to whole shares as Excel's ROUND does
(half away from zero); the price per share is not rounded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from random import Random
from typing import Any

from openpyxl import Workbook

from skillgym.envs.spreadsheet.scenario import (
    Output,
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


def _sensible(x: Mapping[str, float], founders: int) -> bool:
    """Real top-ups everywhere, and nothing to round within 0.001 of a half."""
    for change in [{}, *_perturbations(x)]:
        raw = rounds({**x, **change}, founders)["raw"]
        if raw[0] < 10_000 or raw[2] < 10_000:
            return False
        if any(abs(v - math.floor(v) - 0.5) < 1e-3 for v in raw):
            return False
    return True


def build(rng: Random, params: dict[str, Any]) -> Scenario:
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
    )
