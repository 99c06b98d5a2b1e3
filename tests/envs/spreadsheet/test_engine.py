"""The formula engine: a real LibreOffice behind a Workbook that survives its crashes."""

import io
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

from skillgym.envs.spreadsheet import engine
from skillgym.envs.spreadsheet.engine import (
    CalcEngine,
    EnginePool,
    EngineRequestError,
    Workbook,
    uno_python,
)
from skillgym.errors import EngineError


def book_bytes(rate: float = 0.05) -> bytes:
    """Inputs!B1 (Rate) and B2 (Principal); Model!A1 (Balance) = Principal * (1 + Rate)."""
    book = openpyxl.Workbook()
    inputs = book.active
    inputs.title = "Inputs"
    inputs["A1"], inputs["B1"] = "Rate", rate
    inputs["A2"], inputs["B2"] = "Principal", 1000
    model = book.create_sheet("Model")
    model["A1"] = "=Inputs!B2*(1+Inputs!B1)"
    for name, target in [
        ("Rate", "Inputs!$B$1"),
        ("Principal", "Inputs!$B$2"),
        ("Balance", "Model!$A$1"),
    ]:
        book.defined_names[name] = DefinedName(name, attr_text=target)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def workbook() -> Iterator[Workbook]:
    opened = Workbook(book_bytes())
    yield opened
    opened.close()


def read(workbook: Workbook, sheet: str, area: str) -> list[list]:
    """``[content, value]`` per cell (None for an empty one), row by row."""
    return workbook.call("read", sheet=sheet, area=area)["cells"]


def value(workbook: Workbook, sheet: str, cell: str):
    return read(workbook, sheet, cell)[0][0][1]


def kill_engine(workbook: Workbook) -> None:
    """SIGKILL the workbook's worker and its LibreOffice (one process group)."""
    process = workbook._engine._process
    os.killpg(os.getpgid(process.pid), signal.SIGKILL)
    process.wait(timeout=30)


def test_an_opened_workbook_shows_its_contents_and_calculated_values(workbook):
    assert read(workbook, "Inputs", "A1:B1") == [[["Rate", "Rate"], ["0.05", 0.05]]]
    assert read(workbook, "Model", "A1") == [[["=Inputs!B2*(1+Inputs!B1)", 1050.0]]]
    assert read(workbook, "Model", "B1") == [[None]]


def test_a_write_recalculates_and_reports_every_shown_value_that_changed(workbook):
    reply = workbook.call("write", sheet="Inputs", cells=[["B2", 2000], ["C1:C2", "=B1*2"]])
    assert reply["refused"] == []
    assert sorted(reply["changed"]) == [
        ["Inputs", 0, 2, 0.1],
        ["Inputs", 1, 1, 2000.0],
        ["Inputs", 1, 2, 4000.0],
        ["Model", 0, 0, 2100.0],
    ]
    assert read(workbook, "Inputs", "C2") == [[["=B2*2", 4000.0]]]


def test_a_formula_with_a_syntax_error_is_refused_and_the_old_content_stays(workbook):
    reply = workbook.call("write", sheet="Model", cells=[["A1", "=1+*2"], ["B1", 7]])
    assert [r["target"] for r in reply["refused"]] == ["A1"]
    assert read(workbook, "Model", "A1:B1") == [[["=Inputs!B2*(1+Inputs!B1)", 1050.0], ["7", 7.0]]]


def test_an_incomplete_formula_is_refused_like_any_other_syntax_error(workbook):
    reply = workbook.call("write", sheet="Model", cells=[["B1", "=1+"]])
    assert [r["target"] for r in reply["refused"]] == ["B1"]
    assert read(workbook, "Model", "B1") == [[None]]


def test_a_request_the_engine_refuses_leaves_it_usable(workbook):
    with pytest.raises(EngineRequestError, match="Nowhere"):
        workbook.call("write", sheet="Nowhere", cells=[["A1", 1]])
    assert value(workbook, "Model", "A1") == 1050.0


def test_evaluate_with_moves_the_named_outputs_then_restores_the_inputs(workbook):
    moved = workbook.call("evaluate_with", changes={"Rate": 0.5}, names=["Balance", "Gone"])
    assert moved["Gone"] is None
    assert moved["Balance"] == {
        "sheet": "Model",
        "first_row": 0,
        "first_column": 0,
        "columns": 1,
        "values": [1500.0],
        "formulas": [True],
    }
    assert value(workbook, "Inputs", "B1") == 0.05
    assert value(workbook, "Model", "A1") == 1050.0


def test_evaluate_with_restores_an_input_to_the_last_bit():
    with_thirds = Workbook(book_bytes(rate=1 / 3))
    try:
        with_thirds.call("evaluate_with", changes={"Rate": 0.5}, names=["Balance"])
        assert value(with_thirds, "Inputs", "B1") == 1 / 3
    finally:
        with_thirds.close()


def test_a_refused_formula_leaves_a_full_precision_number_exactly_as_it_was():
    with_thirds = Workbook(book_bytes(rate=1 / 3))
    try:
        reply = with_thirds.call("write", sheet="Inputs", cells=[["B1", "=1+*2"]])
        assert reply["refused"] and reply["changed"] == []
        assert value(with_thirds, "Inputs", "B1") == 1 / 3
    finally:
        with_thirds.close()


def test_a_killed_engine_is_restarted_and_the_workbook_replayed(workbook):
    workbook.call("write", sheet="Inputs", cells=[["B2", 3000]])
    workbook.call("define_name", name="Doubled", refers_to="Model!$C$1")
    workbook.call("write", sheet="Model", cells=[["C1", "=A1*2"]])
    kill_engine(workbook)
    assert read(workbook, "Model", "A1:C1")[0][2] == ["=A1*2", 6300.0]
    assert workbook.restarts == 1
    assert {"name": "Doubled", "refers_to": "=Model!$C$1"} in workbook.call("names")


def test_a_killed_engine_refuses_requests_for_documents_of_its_old_start(workbook):
    calc = workbook._engine
    old_generation = calc.generation
    kill_engine(workbook)
    with pytest.raises(engine.EngineCrashed, match="must be replayed"):
        calc.call("sheets", generation=old_generation, doc=1)
    assert calc.generation == old_generation + 1


def test_a_change_made_after_the_engine_died_of_something_else_is_applied(workbook):
    kill_engine(workbook)
    workbook.call("write", sheet="Model", cells=[["B1", 8]])
    assert value(workbook, "Model", "B1") == 8.0


def test_closing_a_workbook_twice_is_safe_and_frees_its_engine():
    pool = engine.shared_pool()
    opened = Workbook(book_bytes(), pool=pool)
    calc = opened._engine
    holding = calc.open_documents
    opened.close()
    opened.close()
    assert calc.open_documents == holding - 1


def test_uno_python_names_how_to_install_when_the_interpreter_is_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("SKILLGYM_UNO_PYTHON", str(tmp_path / "no-such-python"))
    with pytest.raises(EngineError, match="apt install libreoffice-calc-nogui python3-uno"):
        uno_python()


def test_uno_python_prefers_the_interpreter_named_in_the_environment(monkeypatch):
    monkeypatch.setenv("SKILLGYM_UNO_PYTHON", sys.executable)
    assert uno_python() == sys.executable


def worker_script(tmp_path, body: str):
    script = tmp_path / "worker.py"
    script.write_text(body)
    return script


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("import sys; sys.exit(3)", "the worker exited"),
        ("print('{\"ready\": false}', flush=True)", "'ready': False"),
        ("print('Traceback: no uno', flush=True)", "Expecting value"),
    ],
)
def test_a_worker_that_cannot_start_is_an_engine_error_not_a_hang(
    monkeypatch, tmp_path, body, said
):
    monkeypatch.setattr(engine, "WORKER", worker_script(tmp_path, body))
    calc = CalcEngine()
    with pytest.raises(EngineError, match="did not start") as caught:
        calc.call("ping")
    assert said in caught.value.message
    assert "python3-uno" in caught.value.message
    assert not calc.alive


def test_a_worker_that_never_says_ready_is_stopped_after_the_start_timeout(monkeypatch, tmp_path):
    monkeypatch.setattr(engine, "WORKER", worker_script(tmp_path, "import time; time.sleep(600)"))
    calc = CalcEngine(start_timeout=0.5)
    with pytest.raises(EngineError, match="no answer within"):
        calc.call("ping")
    assert not calc.alive


def test_a_pool_needs_at_least_one_engine():
    with pytest.raises(ValueError, match="at least one engine"):
        EnginePool(0)


def test_a_pool_hands_out_the_least_busy_engine():
    pool = EnginePool(2)
    first, second = pool.acquire(), pool.acquire()
    assert first is not second
    pool.release(first)
    assert pool.acquire() is first
    pool.close()


def test_error_constants_in_a_loaded_formula_read_back_as_written():
    book = openpyxl.Workbook()
    model = book.active
    model.title = "Model"
    model["C2"] = 5
    model["C5"] = "=C2-#REF!"
    model["C6"] = "=C2-#N/A+#DIV/0!"
    model["C7"] = '=IFERROR(#REF!,"#N/A")'
    buffer = io.BytesIO()
    book.save(buffer)
    loaded = Workbook(buffer.getvalue())
    try:
        assert [row[0][0] for row in read(loaded, "Model", "C5:C7")] == [
            "=C2-#REF!",
            "=C2-#N/A+#DIV/0!",
            '=IFERROR(#REF!,"#N/A")',
        ]
    finally:
        loaded.close()


def test_a_formula_filled_over_differently_formatted_cells_leaves_each_its_format():
    book = openpyxl.Workbook()
    model = book.active
    model.title = "Model"
    model["B3"].number_format = "yyyy-mm-dd"
    model["C4"].number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    book.save(buffer)
    loaded = Workbook(buffer.getvalue())
    try:
        loaded.call("write", sheet="Model", cells=[["B1:D5", "=45000+ROW()+A1"]])
        cells = read(loaded, "Model", "B1:D5")
        assert [item[0] for item in cells[3]] == [
            "=45000+ROW()+A4",
            "=45000+ROW()+B4",
            "=45000+ROW()+C4",
        ]
        dated = {
            (r, c) for r, row in enumerate(cells) for c, item in enumerate(row) if len(item) == 3
        }
        assert dated == {(2, 0), (3, 1)}  # B3 and C4 only, as formatted before
    finally:
        loaded.close()


def test_ten_thousand_formula_cells_fill_in_one_call_within_the_call_limit(workbook):
    """Filling cell by cell took time growing with the square of the cells (over 20 s here)."""
    workbook.call("write", sheet="Model", cells=[["D1", 1], ["D2:D10000", "=D1+1"]])
    assert value(workbook, "Model", "D10000") == 10_000.0


def test_waiting_calls_get_the_engine_in_the_order_they_asked_for_it():
    lock = engine.FairLock()
    order: list[str] = []
    lock.__enter__()
    threads = []
    for name in "abc":
        thread = threading.Thread(target=lambda n=name: _take(lock, n, order))
        thread.start()
        while lock._next_ticket < len(threads) + 2:  # this one holds its ticket
            time.sleep(0.001)
        threads.append(thread)
    lock.__exit__(None, None, None)
    for thread in threads:
        thread.join(timeout=10)
    assert order == ["a", "b", "c"]


def _take(lock: "engine.FairLock", name: str, order: list[str]) -> None:
    with lock:
        order.append(name)
