"""A 3-year linked three-statement model: income statement, balance sheet, cash flow.

The opening balance sheet and the drivers are on Inputs; the agent builds the three
statements on their own sheets (IS, BS, CF, years 1-3 in columns C:E), with cash the
plug from the cash flow statement, and a balance check row that must be zero.

Verifier 1 checked five rows (net income, cash, total assets, retained earnings, the
balance check), so cash as the balance sheet's plug with no cash flow statement at all
was paid in full. Verifier 2 checks every line of the three statements (each named)
and the links between them: the balance sheet's cash is the cash flow's closing cash,
net income flows into retained earnings and the cash flow, the working-capital changes
come from the balance sheet, and each subtotal from its lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from random import Random
from typing import Any

from openpyxl import Workbook
from pydantic import BaseModel, ConfigDict

from skillgym.envs.spreadsheet.scenario import (
    Cells,
    Coverage,
    Link,
    Output,
    Overrides,
    Scenario,
    add_inputs,
    define_name,
    inputs_sheet,
    write_call,
)

YEARS = 3
DAYS = 365
COMPANIES = (
    "Alder Components",
    "Brightwater Foods",
    "Copperline Packaging",
    "Driftwood Apparel",
    "Everhart Instruments",
    "Foxglove Home",
    "Granite Bay Supply",
)

DRIVERS = (  # name, label, row on Inputs
    ("Revenue0", "Revenue, year 0 ($m)", 2),
    ("Growth", "Revenue growth (per year)", 3),
    ("GrossMargin", "Gross margin (% of revenue)", 4),
    ("OpexPct", "Operating expenses (% of revenue)", 5),
    ("DaPct", "D&A (% of opening PP&E)", 6),
    ("CapexPct", "Capex (% of revenue)", 7),
    ("ReceivableDays", "Receivable days (on revenue, 365-day year)", 8),
    ("InventoryDays", "Inventory days (on COGS, 365-day year)", 9),
    ("PayableDays", "Payable days (on COGS, 365-day year)", 10),
    ("TaxRate", "Tax rate (on profit before tax)", 11),
    ("Payout", "Dividend payout (% of net income)", 12),
    ("DebtRepayment", "Debt repayment per year ($m)", 13),
    ("InterestRate", "Interest rate (on opening debt)", 14),
)
OPENING = (  # name, label, row on Inputs, row on BS
    ("Cash0", "Cash", 17, 2),
    ("Receivables0", "Accounts receivable", 18, 3),
    ("Inventory0", "Inventory", 19, 4),
    ("Ppe0", "PP&E, net", 20, 5),
    ("Payables0", "Accounts payable", 21, 7),
    ("Debt0", "Debt", 22, 8),
    ("ShareCapital0", "Share capital", 23, 10),
    ("RetainedEarnings0", "Retained earnings", 24, 11),
)
IS_ROWS = (
    "Year",
    "Revenue",
    "Cost of goods sold",
    "Gross profit",
    "Operating expenses",
    "EBITDA",
    "Depreciation & amortisation",
    "EBIT",
    "Interest expense",
    "Profit before tax",
    "Tax",
    "Net income",
    "Dividends",
)
BS_ROWS = (
    "Year",
    "Cash",
    "Accounts receivable",
    "Inventory",
    "PP&E, net",
    "Total assets",
    "Accounts payable",
    "Debt",
    "Total liabilities",
    "Share capital",
    "Retained earnings",
    "Total equity",
    "Total liabilities and equity",
    "Balance check (total assets - total liabilities and equity)",
)
CF_ROWS = (
    "Year",
    "Net income",
    "Depreciation & amortisation",
    "(Increase)/decrease in accounts receivable",
    "(Increase)/decrease in inventory",
    "Increase/(decrease) in accounts payable",
    "Cash from operating activities",
    "Capital expenditure",
    "Cash from investing activities",
    "Debt repayment",
    "Dividends paid",
    "Cash from financing activities",
    "Net change in cash",
    "Opening cash",
    "Closing cash",
)
OPENING_BS = {  # BS column B (year 0): links to Inputs and the totals
    "B2": "=Inputs!$B$17",
    "B3": "=Inputs!$B$18",
    "B4": "=Inputs!$B$19",
    "B5": "=Inputs!$B$20",
    "B6": "=SUM(B2:B5)",
    "B7": "=Inputs!$B$21",
    "B8": "=Inputs!$B$22",
    "B9": "=B7+B8",
    "B10": "=Inputs!$B$23",
    "B11": "=Inputs!$B$24",
    "B12": "=B10+B11",
    "B13": "=B9+B12",
    "B14": "=B6-B13",
}


def statements(x: Mapping[str, float]) -> dict[str, list[float]]:
    """Every line of the three statements, years 1-3, from the inputs alone."""
    lines: dict[str, list[float]] = {}

    def put(name: str, value: float) -> None:
        lines.setdefault(name, []).append(value)

    revenue, cash, ppe, debt = x["Revenue0"], x["Cash0"], x["Ppe0"], x["Debt0"]
    receivables, inventory, payables = x["Receivables0"], x["Inventory0"], x["Payables0"]
    retained, share_capital = x["RetainedEarnings0"], x["ShareCapital0"]
    for _ in range(YEARS):
        revenue = revenue * (1 + x["Growth"])
        cogs = revenue * (1 - x["GrossMargin"])
        ebitda = (revenue - cogs) - revenue * x["OpexPct"]
        da = ppe * x["DaPct"]
        interest = debt * x["InterestRate"]
        pbt = ebitda - da - interest
        net_income = pbt - pbt * x["TaxRate"]
        dividends = net_income * x["Payout"]
        new_receivables = revenue * x["ReceivableDays"] / DAYS
        new_inventory = cogs * x["InventoryDays"] / DAYS
        new_payables = cogs * x["PayableDays"] / DAYS
        capex = revenue * x["CapexPct"]
        operating = (
            net_income
            + da
            + (receivables - new_receivables)
            + (inventory - new_inventory)
            + (new_payables - payables)
        )
        cash = cash + operating - capex - x["DebtRepayment"] - dividends
        receivables, inventory, payables = new_receivables, new_inventory, new_payables
        ppe = ppe + capex - da
        debt = debt - x["DebtRepayment"]
        retained = retained + net_income - dividends
        total_assets = cash + receivables + inventory + ppe
        total_le = (payables + debt) + (share_capital + retained)
        put("ProfitBeforeTax", pbt)
        put("NetIncome", net_income)
        put("EndingCash", cash)
        put("TotalAssets", total_assets)
        put("RetainedEarnings", retained)
        put("BalanceCheck", total_assets - total_le)
        put("Debt", debt)
    return lines


LINES = (  # verifier 2: every line of years 1-3, named over C:E -> (sheet, row, label)
    ("Revenue", "IS", 2, "revenue"),
    ("Cogs", "IS", 3, "COGS"),
    ("GrossProfit", "IS", 4, "gross profit"),
    ("Opex", "IS", 5, "operating expenses"),
    ("Ebitda", "IS", 6, "EBITDA"),
    ("DepAmort", "IS", 7, "D&A"),
    ("Ebit", "IS", 8, "EBIT"),
    ("Interest", "IS", 9, "interest"),
    ("ProfitBeforeTax", "IS", 10, "profit before tax"),
    ("Tax", "IS", 11, "tax"),
    ("NetIncome", "IS", 12, "net income"),
    ("Dividends", "IS", 13, "dividends"),
    ("EndingCash", "BS", 2, "cash on the balance sheet"),
    ("Receivables", "BS", 3, "accounts receivable"),
    ("Inventory", "BS", 4, "inventory"),
    ("Ppe", "BS", 5, "PP&E"),
    ("TotalAssets", "BS", 6, "total assets"),
    ("Payables", "BS", 7, "accounts payable"),
    ("Debt", "BS", 8, "debt"),
    ("TotalLiabilities", "BS", 9, "total liabilities"),
    ("ShareCapital", "BS", 10, "share capital"),
    ("RetainedEarnings", "BS", 11, "retained earnings"),
    ("TotalEquity", "BS", 12, "total equity"),
    ("TotalLiabilitiesEquity", "BS", 13, "total liabilities and equity"),
    ("BalanceCheck", "BS", 14, "balance check, assets - liabilities and equity"),
    ("CfNetIncome", "CF", 2, "net income on the cash flow"),
    ("CfDepAmort", "CF", 3, "D&A added back"),
    ("CfReceivables", "CF", 4, "(increase)/decrease in receivables"),
    ("CfInventory", "CF", 5, "(increase)/decrease in inventory"),
    ("CfPayables", "CF", 6, "increase/(decrease) in payables"),
    ("CashFromOperations", "CF", 7, "cash from operating activities"),
    ("Capex", "CF", 8, "capital expenditure"),
    ("CashFromInvesting", "CF", 9, "cash from investing activities"),
    ("CfDebtRepayment", "CF", 10, "debt repayment"),
    ("DividendsPaid", "CF", 11, "dividends paid"),
    ("CashFromFinancing", "CF", 12, "cash from financing activities"),
    ("NetChangeInCash", "CF", 13, "net change in cash"),
    ("OpeningCash", "CF", 14, "opening cash"),
    ("ClosingCash", "CF", 15, "closing cash"),
)
LINKS = (  # line -> the lines of year 1 (or year 2, "+1") whose formulas use its year-1 cell
    ("Revenue", "Cogs Opex GrossProfit Receivables Capex Revenue+1"),
    ("Cogs", "GrossProfit Inventory Payables"),
    ("GrossProfit", "Ebitda"),
    ("Opex", "Ebitda"),
    ("Ebitda", "Ebit"),
    ("DepAmort", "Ebit CfDepAmort Ppe"),
    ("Ebit", "ProfitBeforeTax"),
    ("Interest", "ProfitBeforeTax"),
    ("ProfitBeforeTax", "Tax NetIncome"),
    ("Tax", "NetIncome"),
    ("NetIncome", "Dividends RetainedEarnings CfNetIncome"),
    ("Dividends", "RetainedEarnings DividendsPaid"),
    ("EndingCash", "TotalAssets OpeningCash+1"),
    ("Receivables", "TotalAssets CfReceivables CfReceivables+1"),
    ("Inventory", "TotalAssets CfInventory CfInventory+1"),
    ("Ppe", "TotalAssets DepAmort+1 Ppe+1"),
    ("TotalAssets", "BalanceCheck"),
    ("Payables", "TotalLiabilities CfPayables CfPayables+1"),
    ("Debt", "TotalLiabilities Interest+1 Debt+1"),
    ("TotalLiabilities", "TotalLiabilitiesEquity"),
    ("ShareCapital", "TotalEquity ShareCapital+1"),
    ("RetainedEarnings", "TotalEquity RetainedEarnings+1"),
    ("TotalEquity", "TotalLiabilitiesEquity"),
    ("TotalLiabilitiesEquity", "BalanceCheck"),
    ("CfNetIncome", "CashFromOperations"),
    ("CfDepAmort", "CashFromOperations"),
    ("CfReceivables", "CashFromOperations"),
    ("CfInventory", "CashFromOperations"),
    ("CfPayables", "CashFromOperations"),
    ("CashFromOperations", "NetChangeInCash"),
    ("Capex", "CashFromInvesting"),
    ("CashFromInvesting", "NetChangeInCash"),
    ("CfDebtRepayment", "CashFromFinancing"),
    ("DividendsPaid", "CashFromFinancing"),
    ("CashFromFinancing", "NetChangeInCash"),
    ("NetChangeInCash", "ClosingCash"),
    ("OpeningCash", "ClosingCash"),
    ("ClosingCash", "EndingCash"),
)


def all_lines(x: Mapping[str, float], held: Overrides) -> dict[str, list[float]]:
    """Every line of the three statements, years 1-3, some cells held (verifier 2's truth).

    Each line is computed from the lines the instruction computes it from, so a held
    cell reaches exactly the cells whose formulas use it.
    """
    cells = Cells(held)
    put = cells.put
    revenue, ppe, debt = x["Revenue0"], x["Ppe0"], x["Debt0"]
    receivables, inventory, payables = x["Receivables0"], x["Inventory0"], x["Payables0"]
    retained, share_capital, cash = x["RetainedEarnings0"], x["ShareCapital0"], x["Cash0"]
    for _ in range(YEARS):
        revenue = put("Revenue", revenue * (1 + x["Growth"]))
        cogs = put("Cogs", revenue * (1 - x["GrossMargin"]))
        gross = put("GrossProfit", revenue - cogs)
        opex = put("Opex", revenue * x["OpexPct"])
        ebitda = put("Ebitda", gross - opex)
        da = put("DepAmort", ppe * x["DaPct"])
        ebit = put("Ebit", ebitda - da)
        interest = put("Interest", debt * x["InterestRate"])
        pbt = put("ProfitBeforeTax", ebit - interest)
        tax = put("Tax", pbt * x["TaxRate"])
        net_income = put("NetIncome", pbt - tax)
        dividends = put("Dividends", net_income * x["Payout"])
        new_receivables = put("Receivables", revenue * x["ReceivableDays"] / DAYS)
        new_inventory = put("Inventory", cogs * x["InventoryDays"] / DAYS)
        new_payables = put("Payables", cogs * x["PayableDays"] / DAYS)
        operating = put(
            "CashFromOperations",
            put("CfNetIncome", net_income)
            + put("CfDepAmort", da)
            + put("CfReceivables", receivables - new_receivables)
            + put("CfInventory", inventory - new_inventory)
            + put("CfPayables", new_payables - payables),
        )
        capex = put("Capex", -revenue * x["CapexPct"])
        investing = put("CashFromInvesting", capex)
        financing = put(
            "CashFromFinancing",
            put("CfDebtRepayment", -x["DebtRepayment"]) + put("DividendsPaid", -dividends),
        )
        change = put("NetChangeInCash", operating + investing + financing)
        closing = put("ClosingCash", put("OpeningCash", cash) + change)
        cash = put("EndingCash", closing)
        receivables, inventory, payables = new_receivables, new_inventory, new_payables
        ppe = put("Ppe", ppe - capex - da)
        total_assets = put("TotalAssets", cash + receivables + inventory + ppe)
        debt = put("Debt", debt - x["DebtRepayment"])
        liabilities = put("TotalLiabilities", payables + debt)
        share_capital = put("ShareCapital", share_capital)
        retained = put("RetainedEarnings", retained + net_income - dividends)
        equity = put("TotalEquity", share_capital + retained)
        both = put("TotalLiabilitiesEquity", liabilities + equity)
        put("BalanceCheck", total_assets - both)
    return cells.rows


def coverage(x: Mapping[str, float], solution: list[dict[str, Any]]) -> Coverage:
    """What verifier 2 checks: every line, how the statements link, every driver moved."""
    outputs = [
        Output(name, f"{label}, years 1-3", rel_tol=0.0 if name == "BalanceCheck" else 1e-6)
        for name, _, _, label in LINES
    ]
    links = []
    for source, dependents in LINKS:
        cells = []
        for item in dependents.split():
            name, _, later = item.partition("+")
            cells.append((name, 1 if later else 0))
        links.append(Link(source, tuple(cells)))
    old = {"NetIncome", "EndingCash", "TotalAssets", "RetainedEarnings", "BalanceCheck"}
    names = {name: f"{sheet}!C{row}:E{row}" for name, sheet, row, _ in LINES if name not in old}
    by_sheet = {call["args"]["sheet"]: call["args"]["cells"] for call in solution}
    plug = {
        **by_sheet["BS"],
        "C2:E2": "=C13-SUM(C3:C5)",
        "C5:E5": "=B5+IS!C2*Inputs!$B$7-IS!C7",
        "C8:E8": "=B8-Inputs!$B$13",
    }
    plug_beside_cash_flow = {**by_sheet["BS"], "C2:E2": "=C13-SUM(C3:C5)"}
    return Coverage(
        outputs=outputs,
        truth=all_lines,
        links=links,
        headline=tuple(sorted(old)),
        names=names,
        valid=lambda inputs: _sensible(inputs, []),
        shortcuts={
            "plug": [write_call("IS", by_sheet["IS"]), write_call("BS", plug)],
            "plug-beside-cash-flow": [
                write_call("IS", by_sheet["IS"]),
                write_call("CF", by_sheet["CF"]),
                write_call("BS", plug_beside_cash_flow),
            ],
        },
    )


def model(x: Mapping[str, float]) -> dict[str, list[float]]:
    """The truth: the required outputs."""
    lines = statements(x)
    return {
        name: lines[name]
        for name in ("NetIncome", "EndingCash", "TotalAssets", "RetainedEarnings", "BalanceCheck")
    }


def _draw(rng: Random) -> dict[str, float]:
    revenue0 = float(rng.randrange(150, 1200))
    gross_margin = rng.randrange(350, 550) / 1000
    receivable_days = float(rng.randrange(30, 76))
    inventory_days = float(rng.randrange(30, 91))
    payable_days = float(rng.randrange(25, 61))
    cogs0 = revenue0 * (1 - gross_margin)
    debt0 = float(round(revenue0 * rng.uniform(0.15, 0.45)))
    x = {
        "Revenue0": revenue0,
        "Growth": rng.randrange(30, 121) / 1000,
        "GrossMargin": gross_margin,
        "OpexPct": rng.randrange(120, 201) / 1000,
        "DaPct": rng.randrange(80, 151) / 1000,
        "CapexPct": rng.randrange(40, 91) / 1000,
        "ReceivableDays": receivable_days,
        "InventoryDays": inventory_days,
        "PayableDays": payable_days,
        "TaxRate": rng.randrange(21, 31) / 100,
        "Payout": rng.randrange(20, 51) / 100,
        "DebtRepayment": float(round(debt0 * rng.uniform(0.08, 0.2))),
        "InterestRate": rng.randrange(50, 91) / 1000,
        "Cash0": float(round(revenue0 * rng.uniform(0.05, 0.15))),
        "Receivables0": float(round(revenue0 * receivable_days / DAYS * rng.uniform(0.9, 1.1))),
        "Inventory0": float(round(cogs0 * inventory_days / DAYS * rng.uniform(0.9, 1.1))),
        "Ppe0": float(round(revenue0 * rng.uniform(0.3, 0.6))),
        "Payables0": float(round(cogs0 * payable_days / DAYS * rng.uniform(0.9, 1.1))),
        "Debt0": debt0,
        "ShareCapital0": float(round(revenue0 * rng.uniform(0.1, 0.25))),
    }
    assets = x["Cash0"] + x["Receivables0"] + x["Inventory0"] + x["Ppe0"]
    x["RetainedEarnings0"] = assets - x["Payables0"] - x["Debt0"] - x["ShareCapital0"]
    return x


def _perturbations(x: Mapping[str, float]) -> list[dict[str, float]]:
    return [
        {"Growth": x["Growth"] + 0.04, "GrossMargin": x["GrossMargin"] - 0.03},
        {
            "ReceivableDays": x["ReceivableDays"] + 15,
            "InventoryDays": x["InventoryDays"] + 10,
            "PayableDays": x["PayableDays"] - 10,
        },
        {
            "DaPct": x["DaPct"] + 0.02,
            "InterestRate": x["InterestRate"] + 0.01,
            "TaxRate": x["TaxRate"] + 0.03,
            "Payout": x["Payout"] + 0.1,
        },
    ]


def _sensible(x: Mapping[str, float], changes: list[dict[str, float]] | None = None) -> bool:
    """Profitable, cash-positive and never over-repaid.

    Also under every change of ``changes`` (by default the fixed perturbations verifier
    1 applies).
    """
    if x["RetainedEarnings0"] <= 0:
        return False
    for change in [{}, *(_perturbations(x) if changes is None else changes)]:
        lines = statements({**x, **change})
        if min(lines["ProfitBeforeTax"]) <= 0 or min(lines["EndingCash"]) <= 0:
            return False
        if min(lines["Debt"]) < 0:
            return False
    return True


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw drivers and an opening balance sheet; lay out Inputs and the empty statements."""
    company = rng.choice(COMPANIES)
    inputs = _draw(rng)
    while not _sensible(inputs):
        inputs = _draw(rng)
    workbook = Workbook()
    sheet = inputs_sheet(workbook, DRIVERS, inputs)
    sheet["A16"] = "Opening balance sheet (end of year 0, $m)"
    add_inputs(workbook, sheet, OPENING, inputs)
    for title, rows, first in (("IS", IS_ROWS, "B"), ("BS", BS_ROWS, "B"), ("CF", CF_ROWS, "C")):
        statement = workbook.create_sheet(title)
        for row, label in enumerate(rows, start=1):
            statement[f"A{row}"] = label
        for year, column in enumerate("BCDE"):
            if column >= first:
                statement[f"{column}1"] = year
    workbook["IS"]["B2"] = "=Inputs!$B$2"
    for cell, formula in OPENING_BS.items():
        workbook["BS"][cell] = formula
    define_name(workbook, "NetIncome", "IS", "C12:E12")
    define_name(workbook, "EndingCash", "BS", "C2:E2")
    define_name(workbook, "TotalAssets", "BS", "C6:E6")
    define_name(workbook, "RetainedEarnings", "BS", "C11:E11")
    define_name(workbook, "BalanceCheck", "BS", "C14:E14")
    solution = [
        write_call(
            "IS",
            {
                "C2:E2": "=B2*(1+Inputs!$B$3)",
                "C3:E3": "=C2*(1-Inputs!$B$4)",
                "C4:E4": "=C2-C3",
                "C5:E5": "=C2*Inputs!$B$5",
                "C6:E6": "=C4-C5",
                "C7:E7": "=BS!B5*Inputs!$B$6",
                "C8:E8": "=C6-C7",
                "C9:E9": "=BS!B8*Inputs!$B$14",
                "C10:E10": "=C8-C9",
                "C11:E11": "=C10*Inputs!$B$11",
                "C12:E12": "=C10-C11",
                "C13:E13": "=C12*Inputs!$B$12",
            },
        ),
        write_call(
            "CF",
            {
                "C2:E2": "=IS!C12",
                "C3:E3": "=IS!C7",
                "C4:E4": "=BS!B3-BS!C3",
                "C5:E5": "=BS!B4-BS!C4",
                "C6:E6": "=BS!C7-BS!B7",
                "C7:E7": "=SUM(C2:C6)",
                "C8:E8": "=-IS!C2*Inputs!$B$7",
                "C9:E9": "=C8",
                "C10:E10": "=-Inputs!$B$13",
                "C11:E11": "=-IS!C13",
                "C12:E12": "=C10+C11",
                "C13:E13": "=C7+C9+C12",
                "C14:E14": "=BS!B2",
                "C15:E15": "=C14+C13",
            },
        ),
        write_call(
            "BS",
            {
                "C2:E2": "=CF!C15",
                "C3:E3": "=IS!C2*Inputs!$B$8/365",
                "C4:E4": "=IS!C3*Inputs!$B$9/365",
                "C5:E5": "=B5-CF!C8-IS!C7",
                "C6:E6": "=SUM(C2:C5)",
                "C7:E7": "=IS!C3*Inputs!$B$10/365",
                "C8:E8": "=B8+CF!C10",
                "C9:E9": "=C7+C8",
                "C10:E10": "=B10",
                "C11:E11": "=B11+IS!C12-IS!C13",
                "C12:E12": "=C10+C11",
                "C13:E13": "=C9+C12",
                "C14:E14": "=C6-C13",
            },
        ),
    ]
    return Scenario(
        workbook=workbook,
        variables={"company": company},
        inputs=inputs,
        outputs=[
            Output("NetIncome", "net income, years 1-3"),
            Output("EndingCash", "closing cash on the balance sheet, years 1-3"),
            Output("TotalAssets", "total assets, years 1-3"),
            Output("RetainedEarnings", "retained earnings, years 1-3"),
            Output(
                "BalanceCheck",
                "balance check, assets - liabilities and equity, years 1-3",
                rel_tol=0.0,
                abs_tol=1e-6,
            ),
        ],
        truth=model,
        perturbations=_perturbations(inputs),
        solution=solution,
        model_sheets=["IS", "BS", "CF"],
        first_view="Inputs!A1:B24",
        coverage=coverage(inputs, solution),
    )
