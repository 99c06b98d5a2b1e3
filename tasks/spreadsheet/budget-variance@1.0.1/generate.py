"""A department's quarterly budget-vs-actual report from a transaction ledger.

The Data sheet holds the quarter's ledger (date, department, account, amount, all
departments mixed); the Budget sheet holds the quarter's budget as an account x
department grid, its accounts in a different order from the report's. The agent fills
the Report sheet for one department: actual per account (SUMIFS over the ledger),
budget (a two-way lookup), variance, variance % and an over-budget flag, and a totals
row. Inputs are the budget cells and a sample of ledger amounts, each with its own
defined name, so the sensitivity check can move both.

Verifier 1 already checked every column of the report; verifier 2 also checks that
each column is built from the ones the instruction names (the variance from actual
and budget, the variance % and the flag from the variance, the totals from the
account rows), moves every input (other departments' budgets and ledger lines too,
which must leave the report alone), and lets only the variance % use IFERROR.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from random import Random

from openpyxl import Workbook
from pydantic import BaseModel, ConfigDict

from skillgym.envs.spreadsheet.scenario import (
    Cells,
    Coverage,
    Link,
    Output,
    Overrides,
    Scenario,
    define_name,
    write_call,
)

ACCOUNTS = (  # key (for defined names), label, smallest and largest transaction ($)
    ("Salaries", "Salaries", 2_500, 9_000),
    ("Contractors", "Contractors", 600, 6_000),
    ("Travel", "Travel", 80, 2_400),
    ("Software", "Software subscriptions", 40, 1_500),
    ("Advertising", "Advertising", 250, 5_000),
    ("Training", "Training", 120, 1_800),
    ("Equipment", "Equipment", 150, 3_500),
    ("Supplies", "Office supplies", 15, 400),
    ("Meals", "Meals & entertainment", 30, 650),
)
DEPARTMENTS = ("Sales", "Marketing", "Engineering", "Operations", "Finance", "Support")
REQUESTERS = (
    "The CFO",
    "The FP&A lead",
    "The finance business partner",
    "The VP of Finance",
)
QUARTER_START = {
    1: date(2025, 1, 1),
    2: date(2025, 4, 1),
    3: date(2025, 7, 1),
    4: date(2025, 10, 1),
}
FIRST_ROW = 6  # first account row on Report
DATA_FIRST = 2  # first ledger row on Data
BUDGET_FIRST = 3  # first account row on Budget
BUDGET_COLUMNS = "BCDE"


def _amount_name(line: int) -> str:
    return f"Ledger_{line:03d}"


def _budget_name(department: str, key: str) -> str:
    return f"Bud_{department}_{key}"


def _moved_amount(rng: Random, amount: float) -> float:
    """A ledger amount or a budget, up or down 10-40% (a zero budget gets one), to the cent."""
    if amount == 0:
        return 100.0 * rng.randint(5, 30)
    return round(amount * (1 + rng.choice((-1, 1)) * rng.uniform(0.1, 0.4)), 2)


class Params(BaseModel):
    """This generator takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def generate(rng: Random, params: Params) -> Scenario:
    """Draw the ledger and the budget; lay out Data, Budget and an empty Report."""
    accounts = rng.sample(ACCOUNTS, rng.randint(6, 8))
    accounts.sort(key=ACCOUNTS.index)  # the report lists them in chart-of-accounts order
    keys = [a[0] for a in accounts]
    labels = {a[0]: a[1] for a in accounts}
    departments = rng.sample(DEPARTMENTS, 4)
    target = rng.choice(departments)
    quarter = rng.randint(1, 4)
    start = QUARTER_START[quarter]
    days = ((QUARTER_START[quarter + 1] if quarter < 4 else date(2026, 1, 1)) - start).days
    # One small account had spend but no budget, another no spend this quarter.
    unbudgeted = rng.choice([a[0] for a in accounts if a[3] <= 3_500])
    idle = rng.choice([k for k in keys if k not in (unbudgeted, "Salaries")])
    active_keys = [k for k in keys if k != idle]

    def transaction(department: str, key: str) -> tuple[date, str, str, float]:
        low, high = next((a[2], a[3]) for a in accounts if a[0] == key)
        when = start + timedelta(days=rng.randrange(days))
        return when, department, key, round(rng.uniform(low, high), 2)

    rows = [transaction(target, k) for k in active_keys]  # every active account has spend
    for _ in range(rng.randint(40, 120) - len(rows)):
        department = rng.choice(departments)
        pool = active_keys if department == target else keys
        rows.append(transaction(department, rng.choice(pool)))
    rows.sort(key=lambda r: (r[0], departments.index(r[1]), keys.index(r[2]), r[3]))
    amounts = [r[3] for r in rows]

    spend = {(d, k): 0.0 for d in departments for k in keys}
    for _, department, key, amount in rows:
        spend[department, key] += amount
    actual = {k: spend[target, k] for k in keys}
    budget: dict[tuple[str, str], float] = {}
    for department in departments:
        for key in keys:
            if department == target and key == unbudgeted:
                value = 0.0
            elif spend[department, key] > 0:
                drawn = spend[department, key] * rng.uniform(0.75, 1.25)
                value = max(1, round(drawn / 100)) * 100.0
            else:
                value = rng.randint(5, 30) * 100.0
            budget[department, key] = value

    inputs: dict[str, float] = {}
    budget_order = keys[:]
    while budget_order == keys:
        rng.shuffle(budget_order)
    department_order = departments[:]
    rng.shuffle(department_order)

    workbook = Workbook()
    data = workbook.active
    data.title = "Data"
    headers = ("Date", "Department", "Account", "Amount", "Reference")
    for column, header in zip("ABCDE", headers, strict=True):
        data[f"{column}1"] = header
    for line, (when, department, key, amount) in enumerate(rows, start=1):
        row = DATA_FIRST + line - 1
        data[f"A{row}"] = when
        data[f"A{row}"].number_format = "yyyy-mm-dd"
        data[f"B{row}"], data[f"C{row}"], data[f"D{row}"] = department, labels[key], amount
        data[f"E{row}"] = f"JE-{quarter}{line:04d}"
    data_last = DATA_FIRST + len(rows) - 1

    # A sample of ledger amounts is named (and moved by the sensitivity check): the first
    # line of each account the department spent on, and two lines of other departments.
    named_lines: dict[str, int] = {}
    for key in active_keys:
        line = next(i for i, r in enumerate(rows, 1) if r[1] == target and r[2] == key)
        named_lines[key] = line
    others = [i for i, r in enumerate(rows, 1) if r[1] != target]
    decoy_lines = sorted(rng.sample(others, 2))
    for line in sorted([*named_lines.values(), *decoy_lines]):
        name = _amount_name(line)
        inputs[name] = amounts[line - 1]
        define_name(workbook, name, "Data", f"D{DATA_FIRST + line - 1}")

    sheet = workbook.create_sheet("Budget")
    sheet["A1"] = f"Q{quarter} 2025 budget by account and department ($)"
    sheet["A2"] = "Account"
    for column, department in zip(BUDGET_COLUMNS, department_order, strict=True):
        sheet[f"{column}2"] = department
    for offset, key in enumerate(budget_order):
        row = BUDGET_FIRST + offset
        sheet[f"A{row}"] = labels[key]
        for column, department in zip(BUDGET_COLUMNS, department_order, strict=True):
            sheet[f"{column}{row}"] = budget[department, key]
            name = _budget_name(department, key)
            inputs[name] = budget[department, key]
            define_name(workbook, name, "Budget", f"{column}{row}")
    budget_last = BUDGET_FIRST + len(keys) - 1

    report = workbook.create_sheet("Report")
    last = FIRST_ROW + len(keys) - 1
    total = last + 1
    report["A1"] = f"{target}: Q{quarter} 2025 budget vs actual ($)"
    report["A2"], report["B2"] = "Department", target
    report["A3"], report["B3"] = "Quarter", f"Q{quarter} 2025"
    report_headers = ("Account", "Actual", "Budget", "Variance", "Variance %", "Over budget (1/0)")
    for column, header in zip("ABCDEF", report_headers, strict=True):
        report[f"{column}5"] = header
    for offset, key in enumerate(keys):
        report[f"A{FIRST_ROW + offset}"] = labels[key]
    report[f"A{total}"] = "Total"
    define_name(workbook, "Actual", "Report", f"B{FIRST_ROW}:B{last}")
    define_name(workbook, "BudgetAmount", "Report", f"C{FIRST_ROW}:C{last}")
    define_name(workbook, "Variance", "Report", f"D{FIRST_ROW}:D{last}")
    define_name(workbook, "VariancePct", "Report", f"E{FIRST_ROW}:E{last}")
    define_name(workbook, "OverBudget", "Report", f"F{FIRST_ROW}:F{last}")
    define_name(workbook, "Totals", "Report", f"B{total}:F{total}")

    def truth(x: Mapping[str, float]) -> dict[str, list[float]]:
        spent: dict[str, list[float]] = {k: [] for k in keys}
        for line, (_, department, key, amount) in enumerate(rows, start=1):
            if department == target:
                spent[key].append(x.get(_amount_name(line), amount))
        actuals = [math.fsum(spent[k]) for k in keys]
        budgets = [x[_budget_name(target, k)] for k in keys]
        variances = [a - b for a, b in zip(actuals, budgets, strict=True)]
        pcts = [v / b if b else 0.0 for v, b in zip(variances, budgets, strict=True)]
        flags = [1.0 if v > 0 else 0.0 for v in variances]
        total_actual, total_budget = sum(actuals), sum(budgets)
        total_variance = sum(variances)
        return {
            "Actual": actuals,
            "BudgetAmount": budgets,
            "Variance": variances,
            "VariancePct": pcts,
            "OverBudget": flags,
            "Totals": [
                total_actual,
                total_budget,
                total_variance,
                total_variance / total_budget if total_budget else 0.0,
                1.0 if total_variance > 0 else 0.0,
            ],
        }

    def all_cells(x: Mapping[str, float], held: Overrides) -> dict[str, list[float]]:
        cells = Cells(held)
        spent: dict[str, list[float]] = {k: [] for k in keys}
        for line, (_, department, key, amount) in enumerate(rows, start=1):
            if department == target:
                spent[key].append(x.get(_amount_name(line), amount))
        actuals = cells.put_all("Actual", [math.fsum(spent[k]) for k in keys])
        budgets = cells.put_all("BudgetAmount", [x[_budget_name(target, k)] for k in keys])
        variances = cells.put_all(
            "Variance", [a - b for a, b in zip(actuals, budgets, strict=True)]
        )
        cells.put_all(
            "VariancePct", [v / b if b else 0.0 for v, b in zip(variances, budgets, strict=True)]
        )
        cells.put_all("OverBudget", [1.0 if v > 0 else 0.0 for v in variances])
        total_actual = cells.put("Totals", math.fsum(actuals))
        total_budget = cells.put("Totals", math.fsum(budgets))
        total_variance = cells.put("Totals", math.fsum(variances))
        cells.put("Totals", total_variance / total_budget if total_budget else 0.0)
        cells.put("Totals", 1.0 if total_variance > 0 else 0.0)
        del total_actual
        return cells.rows

    # Sensitivity 1: the department's named ledger lines grow by a quarter, the other
    # departments' lines double (they must not move the report).
    ledger_change = {
        _amount_name(line): round(amounts[line - 1] * 1.25, 2) for line in named_lines.values()
    }
    ledger_change.update({_amount_name(line): amounts[line - 1] * 2 for line in decoy_lines})
    # Sensitivity 2: every budget of the department moves; the unbudgeted account gets one,
    # one account's over/under-budget status flips; another department's budget moves too.
    budget_change = {
        _budget_name(target, k): (round(budget[target, k] * 1.1 / 100) * 100 + 100.0) for k in keys
    }
    budget_change[_budget_name(target, unbudgeted)] = 100.0 * rng.randint(5, 30)
    flip = rng.choice([k for k in active_keys if k != unbudgeted])
    if actual[flip] > budget[target, flip]:
        budget_change[_budget_name(target, flip)] = (int(actual[flip] * 1.2 / 100) + 1) * 100.0
    else:
        budget_change[_budget_name(target, flip)] = int(actual[flip] * 0.8 / 100) * 100.0
    other = rng.choice([d for d in departments if d != target])
    budget_change[_budget_name(other, keys[0])] = budget[other, keys[0]] + 1_000.0

    outputs = [
        Output("Actual", "actual spend per account"),
        Output("BudgetAmount", "budget per account"),
        Output("Variance", "variance per account"),
        Output("VariancePct", "variance % per account"),
        Output("OverBudget", "over-budget flag per account"),
        Output("Totals", "totals row"),
    ]
    ledger = f"Data!$D${DATA_FIRST}:$D${data_last}"
    by_department = f"Data!$B${DATA_FIRST}:$B${data_last}"
    by_account = f"Data!$C${DATA_FIRST}:$C${data_last}"
    grid = f"Budget!$B${BUDGET_FIRST}:$E${budget_last}"
    solution = [
        write_call(
            "Report",
            {
                f"B{FIRST_ROW}:B{last}": f"=SUMIFS({ledger},{by_department},$B$2,{by_account},$A{FIRST_ROW})",
                f"C{FIRST_ROW}:C{last}": (
                    f"=INDEX({grid},MATCH($A{FIRST_ROW},Budget!$A${BUDGET_FIRST}:$A${budget_last},0),"
                    "MATCH($B$2,Budget!$B$2:$E$2,0))"
                ),
                f"D{FIRST_ROW}:D{last}": f"=B{FIRST_ROW}-C{FIRST_ROW}",
                f"E{FIRST_ROW}:E{last}": f"=IFERROR(D{FIRST_ROW}/C{FIRST_ROW},0)",
                f"F{FIRST_ROW}:F{last}": f"=IF(D{FIRST_ROW}>0,1,0)",
                f"B{total}:D{total}": f"=SUM(B{FIRST_ROW}:B{last})",
                f"E{total}": f"=IFERROR(D{total}/C{total},0)",
                f"F{total}": f"=IF(D{total}>0,1,0)",
            },
        )
    ]

    return Scenario(
        workbook=workbook,
        variables={
            "requester": rng.choice(REQUESTERS),
            "department": target,
            "quarter": f"Q{quarter} 2025",
            "first_row": FIRST_ROW,
            "last_row": last,
            "total_row": total,
            "data_last": data_last,
        },
        inputs=inputs,
        outputs=outputs,
        truth=truth,
        perturbations=[ledger_change, budget_change],
        solution=solution,
        model_sheets=["Report"],
        first_view=f"Report!A1:F{total}",
        coverage=Coverage(
            outputs=outputs,
            truth=all_cells,
            links=[
                Link("Actual", (("Variance", 0), ("Totals", 0))),
                Link("BudgetAmount", (("Variance", 0), ("VariancePct", 0), ("Totals", 1))),
                Link("Variance", (("VariancePct", 0), ("OverBudget", 0), ("Totals", 2))),
            ],
            headline=tuple(output.name for output in outputs),
            moves={name: _moved_amount for name in inputs},
            allow_swallowing=frozenset(
                {("VariancePct", index) for index in range(len(keys))} | {("Totals", 3)}
            ),
        ),
    )
