"""The spreadsheet environment as an agent meets it: tools, views, errors, and a real engine."""

import io
import json
import os
import re
import signal
from collections.abc import Iterator

import openpyxl
import pytest
from gymnasium.utils.env_checker import check_env

from skillgym.envs.spreadsheet import SpreadsheetEnv
from skillgym.envs.spreadsheet.addresses import parse_area
from skillgym.errors import RequestError

TASK = "spreadsheet/dcf-valuation"


@pytest.fixture(scope="module")
def shared() -> Iterator[SpreadsheetEnv]:
    environment = SpreadsheetEnv(task=TASK)
    yield environment
    environment.close()


@pytest.fixture
def env(shared: SpreadsheetEnv) -> SpreadsheetEnv:
    """The shared environment at the start of a fresh episode (seed 0)."""
    shared.reset(seed=0)
    return shared


def act(tool: str, **args) -> str:
    return json.dumps({"tool": tool, "args": args})


def write(sheet: str, cells: dict) -> str:
    return act("write_cells", sheet=sheet, cells=cells)


def step(env: SpreadsheetEnv, action: str) -> dict:
    """One step that must leave the episode running; its observation."""
    obs, reward, terminated, truncated, _ = env.step(action)
    assert not terminated and not truncated and reward == 0.0
    return obs


def ok(env: SpreadsheetEnv, action: str) -> dict:
    """One step that must succeed."""
    obs = step(env, action)
    assert obs["last_action_error"] == "", obs["last_action_error"]
    return obs


def view_of(env: SpreadsheetEnv, area: str) -> str:
    return ok(env, act("read_range", range=area))["view"]


def kill_engine(env: SpreadsheetEnv) -> None:
    """SIGKILL the episode's engine worker and its LibreOffice (one process group)."""
    process = env._workbook._engine._process
    os.killpg(os.getpgid(process.pid), signal.SIGKILL)
    process.wait(timeout=30)


# ---- reset ---------------------------------------------------------------------------
def test_reset_shows_the_instruction_the_sheets_and_the_model_with_a1_addresses(shared):
    obs, info = shared.reset(seed=0)
    assert set(obs) == {"instruction", "last_action_error", "sheets", "result", "view"}
    assert obs["last_action_error"] == "" and info["task"].startswith(TASK)
    assert "DCF for" in obs["instruction"]
    assert obs["view"].splitlines()[0] == "Model!A1:G18"
    assert "2| A2=Revenue" in obs["view"] and "16| A16=Enterprise value" in obs["view"]
    assert "1| A1=Year | B1=0 | C1=1" in obs["view"]
    sheets = obs["sheets"].splitlines()
    assert sheets[:2] == ["Inputs (used A1:B11)", "Model (used A1:G18)"]
    assert "EnterpriseValue =Model!$C$16" in sheets[2] and "Wacc =Inputs!$B$9" in sheets[2]


def test_reset_refuses_options_other_than_the_task(shared):
    with pytest.raises(RequestError, match="unknown option 'colour'"):
        shared.reset(seed=0, options={"colour": "red"})


# ---- writing and recalculation ---------------------------------------------------------
def test_a_write_shows_the_value_and_later_the_dependents_that_changed(env):
    first = ok(env, write("Model", {"C2": "=Inputs!B3*100"}))
    assert first["result"].startswith("Wrote 1 entry on Model.\nRecalculated values that changed:")
    assert "Model!C2 -> " in first["result"]
    second = ok(env, write("Inputs", {"B3": 0.25}))
    assert second["result"].splitlines()[2:] == ["Inputs!B3 -> 0.25", "Model!C2 -> 25"]
    assert "C2: =Inputs!B3*100 -> 25" in view_of(env, "Model!C2")
    again = ok(env, write("Inputs", {"B3": 0.25}))
    assert again["result"].endswith("No shown value changed.")


def test_view_follows_the_written_range(env):
    ok(env, act("read_range", range="Inputs!A1:B3"))
    obs = ok(env, write("Model", {"C2:D2": "=Inputs!$B$2*2", "C3": 5}))
    view = obs["view"].splitlines()
    assert view[0] == "Model!C2:D3"
    base = re.search(r"B2=(\d+)", view_of(env, "Inputs!B2")).group(1)
    assert f"2| C2: =Inputs!$B$2*2 -> {int(base) * 2} | D2: =Inputs!$B$2*2 -> " in obs["view"]
    assert "3| C3=5" in obs["view"]


def test_view_follows_a_write_on_another_sheet_to_the_cells_written_there(env):
    obs = ok(env, write("Inputs", {"B3": 0.25, "B5": 0.3}))
    view = obs["view"].splitlines()
    assert view[0] == "Inputs!B3:B5" and "3| B3=0.25" in view and "5| B5=0.3" in view


def test_view_after_a_write_covering_more_than_a_read_shows_a_readable_part(env):
    obs = ok(env, write("Model", {"A1": "Year", "ZZ9000": 1}))
    header = obs["view"].splitlines()[0]
    assert header == "Model!A1:ZZ7"  # 7 rows of 702 columns: at most 5,000 cells
    assert obs["view"].endswith("for the rest]") and "Model!A8:ZZ9000" in obs["view"]


def test_the_first_view_of_a_longer_sheet_ends_with_the_range_to_read_next():
    environment = SpreadsheetEnv(task="spreadsheet/loan-amortization")
    try:
        obs, _ = environment.reset(seed=0)
        last = re.search(r"Schedule \(used A1:G(\d+)\)", obs["sheets"]).group(1)
        assert obs["view"].splitlines()[0] == "Schedule!A1:G13"
        assert obs["view"].splitlines()[-1] == (
            f"[showing A1:G13 of A1:G{last}; read_range Schedule!A14:G{last} for the rest]"
        )
    finally:
        environment.close()


def test_a_read_of_part_of_a_sheet_ends_saying_where_the_rest_is(env):
    assert view_of(env, "Model!A1:C5").splitlines()[-1] == (
        "[showing A1:C5 of A1:G18; read_range Model!D1:G5 then Model!A6:G18 for the rest]"
    )
    assert "[showing" not in view_of(env, "Model!A1:H30")


def test_a_view_after_a_write_of_part_of_a_sheet_ends_saying_where_the_rest_is(env):
    obs = ok(env, write("Model", {"C2:G2": 1}))
    assert obs["view"].splitlines()[-1] == (
        "[showing C2:G2 of A1:G18; read_range Model!A3:G18 then Model!A1:G1 then Model!A2:B2 "
        "for the rest]"
    )


def test_a_formula_filled_across_a_range_moves_its_relative_references(env):
    obs = ok(env, write("Model", {"B2": 1, "C2:G2": "=B2*2"}))
    assert "C2: =B2*2 -> 2" in obs["view"]
    assert "G2: =F2*2 -> 32" in obs["view"]


def test_a_formula_filled_across_a_range_keeps_its_absolute_references(env):
    obs = ok(env, write("Model", {"C4:G4": "=C1*Inputs!$B$5"}))
    assert "G4: =G1*Inputs!$B$5 -> " in obs["view"]


def test_a_division_by_zero_shows_as_excel_shows_it(env):
    obs = ok(env, write("Model", {"J3": "=1/0"}))
    assert "Model!J3 -> #DIV/0!" in obs["result"]
    assert "J3: =1/0 -> #DIV/0!" in view_of(env, "Model!J3")


def test_a_circular_reference_is_flagged_with_a_warning_naming_the_cells(env):
    obs = ok(env, write("Model", {"J4": "=J5+1", "J5": "=J4+1"}))
    assert "Warning: circular reference in Model!J4, Model!J5" in obs["result"]


def test_deleting_a_referenced_row_shows_ref_in_the_formula_that_used_it(env):
    ok(env, write("Model", {"J2": 5, "J3": "=J2*2"}))
    ok(env, act("delete_rows", sheet="Model", row=2))
    assert "-> #REF!" in view_of(env, "Model!J2")


def test_a_formula_whose_reference_was_deleted_reads_as_ref_not_as_another_cell(env):
    ok(env, write("Model", {"J2": 5, "J3": "=J2*2"}))
    ok(env, act("delete_rows", sheet="Model", row=2))
    assert "J2: =#REF!*2 -> #REF!" in view_of(env, "Model!J2")


# ---- hostile input -------------------------------------------------------------------
HOSTILE = {
    "a reference outside the sheet": (
        write("Model", {"XFE1": 1}),
        "outside the sheet (rows 1-1,048,576, columns A-XFD)",
    ),
    "a row past the sheet": (write("Model", {"A1048577": 1}), "outside the sheet"),
    "a formula referring outside the sheet": (
        write("Model", {"J1": "=XFE1*2"}),
        "Reference XFE1",
    ),
    "a write covering a million cells": (
        write("Model", {"A1:J100000": 1}),
        "written within A1:ZZ10000",
    ),
    "a write over the cells-per-call limit": (
        write("Model", {"A1:ZZ100": 1}),
        "at most 10,000 cells per write_cells call",
    ),
    "an action of 200,000 characters": ("x" * 200_000, "at most 100000 characters"),
    "a huge valid-looking action": (
        write("Model", {"J1": "y" * 200_000}),
        "at most 100000 characters",
    ),
    "text longer than a cell holds": (
        write("Model", {"J1": "y" * 40_000}),
        "at most 32,767 characters per cell",
    ),
    "an unknown sheet in write_cells": (
        write("Nope", {"A1": 1}),
        "Unknown sheet 'Nope'; sheets: Inputs, Model.",
    ),
    "an unknown sheet in read_range": (
        act("read_range", range="Nope!A1:B2"),
        "Unknown sheet 'Nope'; sheets: Inputs, Model.",
    ),
    "a range without a sheet": (act("read_range", range="A1:B2"), "like 'Model!A1:H40'"),
    "non-JSON text": ("write A1 = 5 please", "Expects one JSON tool call"),
    "JSON that is not an object": ("[1, 2]", 'Expects a JSON object with a "tool" key'),
    "JSON nested too deeply": ("[" * 50_000, "nested too deeply"),
    "args that are not an object": (
        '{"tool": "read_range", "args": [1]}',
        'Expects "args" to be a JSON object',
    ),
    "an unknown tool": (act("delete_sheet", name="Model"), "Unknown tool 'delete_sheet'"),
    "extra args": (
        json.dumps({"tool": "read_range", "args": {"range": "Model!A1", "colour": "red"}}),
        "colour: Extra inputs are not permitted",
    ),
    "missing args": (act("read_range"), "range: Field required"),
    "a read of more than 5,000 cells": (
        act("read_range", range="Model!A1:Z1000"),
        "at most 5,000 cells, actual size: 26,000 (1,000 rows x 26 columns); read it in parts",
    ),
    "a cell-like defined name": (
        act("define_name", name="AB12", refers_to="Model!$C$16"),
        "is not a cell address; actual value: 'AB12'",
    ),
    "an invalid sheet name": (
        act("add_sheet", name="Q1/Q2"),
        "Expects a sheet name of 1-31 characters",
    ),
    "a duplicate sheet name": (act("add_sheet", name="model"), "'model' exists already"),
    "NaN": ('{"tool": "write_cells", "args": {"sheet": "Model", "cells": {"J1": NaN}}}', "finite"),
    "Infinity": (
        '{"tool": "write_cells", "args": {"sheet": "Model", "cells": {"J1": -Infinity}}}',
        "Expects finite numbers",
    ),
    "an overflowing float": (
        '{"tool": "write_cells", "args": {"sheet": "Model", "cells": {"J1": 1e400}}}',
        "Expects finite numbers",
    ),
    "WEBSERVICE": (
        write("Model", {"J1": '=WEBSERVICE("http://169.254.169.254/")'}),
        "Unknown or unsupported function WEBSERVICE()",
    ),
    "an external file reference": (
        write("Model", {"J1": "='file:///etc/passwd'#$Sheet1.A1"}),
        "refers outside this workbook",
    ),
}


@pytest.mark.parametrize(("action", "expected"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_is_refused_saying_what_was_expected_and_the_episode_goes_on(
    env, action, expected
):
    obs = step(env, action)
    assert expected in obs["last_action_error"]
    after = ok(env, write("Model", {"J1": 42}))
    assert "Model!J1 -> 42" in after["result"]


def test_a_formula_with_a_syntax_error_is_refused_and_the_cell_keeps_its_old_content(env):
    ok(env, write("Model", {"C2": "=Inputs!B2*2"}))
    obs = step(env, write("Model", {"C2": "=1+*2"}))
    assert "Syntax error in the formula for C2; it was not written." in obs["last_action_error"]
    assert "the cell keeps its old content" in obs["result"]
    assert "C2: =Inputs!B2*2 -> " in obs["view"]
    ok(env, write("Model", {"J1": 42}))


def test_a_refused_write_writes_none_of_its_cells(env):
    obs = step(env, write("Model", {"J1": 1, "J2": '=INDIRECT("A1")'}))
    assert "Nothing was written." in obs["last_action_error"]
    assert "is empty" in view_of(env, "Model!J1:J2")


def test_a_write_with_an_integer_too_large_for_a_cell_writes_none_of_its_cells(env):
    obs = step(env, write("Model", {"J1": 1, "J2": 10**400}))
    assert obs["last_action_error"] != ""
    assert "is empty" in view_of(env, "Model!J1:J2")


@pytest.mark.parametrize(
    "action",
    [
        act("insert_rows", sheet="Model", row=1_048_576, count=1_000),
        act("set_number_format", range="Model!C2", format="[[[0"),
    ],
    ids=["insert_rows past the end", "a malformed number format"],
)
def test_an_operation_the_engine_refuses_says_why(env, action):
    error = step(env, action)["last_action_error"]
    assert error and not error.rstrip().endswith(":"), error


# ---- long grids ----------------------------------------------------------------------
def test_a_long_grid_is_paginated_with_the_exact_range_to_read_next(env):
    ok(env, act("add_sheet", name="Notes"))
    text = {f"A{row}": f"note {row}: " + "lorem ipsum " * 10 for row in range(1, 301)}
    ok(env, write("Notes", text))
    seen, area, pages = [], "Notes!A1:A300", 0
    while area:
        pages += 1
        view = view_of(env, area).splitlines()
        assert view[0] == area
        hint = re.fullmatch(
            r"\[showing A\d+:A(\d+) of A1:A300; read_range Notes!(A\d+:A\d+)( then \S+)? "
            r"for the rest\]",
            view[-1],
        )
        assert hint, view[-1]  # every page shows part of the sheet, and says so
        seen += [int(line.split("|")[0]) for line in view[1:-1]]
        area = f"Notes!{hint.group(2)}" if int(hint.group(1)) < 300 else None
    assert seen == list(range(1, 301)) and pages > 1


def test_a_long_text_result_is_shortened_in_the_view_saying_how_long_it_is(env):
    ok(env, write("Model", {"J1": '=REPT("z",5000)'}))
    assert "... (5,000 characters; the cell holds them all)" in view_of(env, "Model!J1")


def test_a_cell_of_the_longest_text_is_shortened_too_and_never_cut_from_the_view(env):
    ok(env, write("Model", {"J1": "z" * 32_767}))
    view = view_of(env, "Model!J1")
    assert "characters cut" not in view
    assert "(32,767 characters; the cell holds them all)" in view


def test_a_number_in_a_date_format_shows_its_date_as_a_spreadsheet_does(env):
    ok(env, write("Model", {"J1": 45688, "J2": "=EOMONTH(J1,1)", "J3": 45688}))
    ok(env, act("set_number_format", range="Model!J1:J2", format="yyyy-mm-dd"))
    view = view_of(env, "Model!J1:J3")
    assert "J1=45688 (2025-01-31)" in view
    assert "J2: =EOMONTH(J1,1) -> 45716 (2025-02-28)" in view
    assert "J3=45688\n" in view + "\n"  # no date format, no date


def test_a_formula_returning_a_date_shows_its_date_without_a_date_format(env):
    obs = ok(env, write("Model", {"J1": 45688, "J2": "=EOMONTH(J1,1)", "J3": "=DAY(J2)"}))
    assert "J2: =EOMONTH(J1,1) -> 45716 (2025-02-28)" in obs["view"]
    assert "J3: =DAY(J2) -> 28\n" in obs["view"] + "\n"  # a number, not a date
    assert "J1=45688\n" in obs["view"]  # a constant in no date format stays a number


def test_writing_null_clears_a_formula_cell(env):
    ok(env, write("Model", {"J1": "=1+1"}))
    obs = ok(env, write("Model", {"J1": None}))
    assert "Model!J1 -> " in obs["result"]
    assert "is empty" in view_of(env, "Model!J1")


def test_a_formula_showing_a_runtime_error_is_kept_not_refused_as_a_typo(env):
    obs = ok(env, write("Model", {"J1": "=SQRT(-1)", "J2": "=J1+1"}))
    assert "Model!J1 -> #NUM!" in obs["result"] and "Model!J2 -> #NUM!" in obs["result"]


def test_a_row_wider_than_the_view_is_paginated_too(env):
    ok(env, act("add_sheet", name="Wide"))
    ok(env, write("Wide", {"A1:ZX1": '=REPT("x",300)'}))
    seen, area, pages = [], "Wide!A1:ZX1", 0
    while area:
        pages += 1
        view = view_of(env, area)
        assert "characters cut" not in view
        seen += re.findall(r"([A-Z]+)1: =REPT", view)
        hint = re.search(
            r"\[showing (\S+) of A1:ZX1; read_range Wide!(\S+) .*for the rest\]$", view
        )
        onwards = (
            hint and parse_area(hint.group(2)).first_column > parse_area(hint.group(1)).last_column
        )
        area = f"Wide!{hint.group(2)}" if onwards else None
    assert len(seen) == len(set(seen)) == 26 * 27 - 2 and pages > 1  # A..ZX, each once


# ---- structure -----------------------------------------------------------------------
def test_inserting_rows_above_outputs_moves_their_defined_names_with_them(env):
    obs = ok(env, act("insert_rows", sheet="Model", row=1, count=3))
    assert obs["result"] == "Inserted 3 row(s) before row 1 on Model."
    assert "EnterpriseValue =Model!$C$19" in obs["sheets"]
    assert "FreeCashFlow =Model!$C$13:$G$13" in obs["sheets"]
    assert "Wacc =Inputs!$B$9" in obs["sheets"]
    assert "19| A19=Enterprise value" in view_of(env, "Model!A19")


def test_a_defined_name_is_listed_and_usable_in_formulas(env):
    obs = ok(env, act("define_name", name="Base", refers_to="Inputs!B2"))
    assert obs["result"] == "Defined Base -> Inputs!$B$2."
    assert "Base =Inputs!$B$2" in obs["sheets"]
    ok(env, write("Model", {"J1": "=Base*0"}))
    assert "J1: =Base*0 -> 0" in view_of(env, "Model!J1")


def test_an_added_sheet_is_listed_and_can_be_referred_to(env):
    obs = ok(env, act("add_sheet", name="Cap Table", position=0))
    assert obs["sheets"].splitlines()[0] == "Cap Table (used A1:A1)"
    ok(env, write("Cap Table", {"B2": 7}))
    ok(env, write("Model", {"J1": "='Cap Table'!B2*2"}))
    assert "J1: ='Cap Table'!B2*2 -> 14" in view_of(env, "Model!J1")


# ---- artifacts -----------------------------------------------------------------------
def test_the_workbook_artifact_is_an_xlsx_holding_the_agents_formulas(env):
    ok(env, write("Model", {"C2:G2": "=Inputs!$B$2*(1+Inputs!$B$3)^C1"}))
    data = env.artifact("workbook.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Inputs", "Model"]
    assert book["Model"]["G2"].value == "=Inputs!$B$2*(1+Inputs!$B$3)^G1"
    assert "EnterpriseValue" in book.defined_names


def test_an_unknown_artifact_is_a_request_error_naming_the_ones_there_are(env):
    with pytest.raises(RequestError, match=r"Unknown artifact 'secrets.txt'.*workbook\.xlsx"):
        env.artifact("secrets.txt")


def test_the_workbook_artifact_before_any_reset_is_a_request_error():
    with pytest.raises(RequestError, match="reset the environment first"):
        SpreadsheetEnv(task=TASK).artifact("workbook.xlsx")


# ---- the Gymnasium contract and crashes ------------------------------------------------
@pytest.mark.filterwarnings("error")  # Gymnasium reports soft failures as warnings
def test_check_env_passes_in_process():
    env = SpreadsheetEnv(task=TASK)
    try:
        check_env(env, skip_render_check=True)
    finally:
        env.close()


def test_a_crashed_engine_costs_a_retry_not_the_episode():
    env = SpreadsheetEnv(task=TASK)
    try:
        obs, _ = env.reset(seed=1)
        oracle = env.oracle()
        ok(env, oracle(obs))  # the oracle's formulas
        kill_engine(env)
        obs = ok(env, act("read_range", range="Model!A16:C16"))
        assert "C16: =SUM(C12:G12)+G15 -> " in obs["view"]
        assert env._workbook.restarts == 1
        kill_engine(env)
        ok(env, write("Model", {"J1": 42}))  # a write straight after a crash is applied
        assert env._workbook.restarts == 2
        _, reward, terminated, _, info = env.step(oracle(obs))  # submit
        assert terminated and reward == 1.0 and info["verification"].success
    finally:
        env.close()
