import base64
import csv
import io
import json
import subprocess
from pathlib import Path

WORKSPACE = Path("/workspace")
PARAMS = json.loads((Path(__file__).parent / "params.json").read_text())
EXPECTED = PARAMS["expected"]
VARIABLES = PARAMS["variables"]
SCRIPT = WORKSPACE / "recover_csv.py"


def run_script(*args):
    return subprocess.run(
        ["python3", str(SCRIPT), *args],
        capture_output=True,
        timeout=60,
        cwd="/tmp",
    )


def assert_clean_csv(path, rows):
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf"), "the clean file starts with a BOM"
    assert b"\r" not in data, "the clean file has CR characters (expects \\n line endings)"
    text = data.decode("utf-8")
    assert text.split("\n", 1)[0] == ",".join(EXPECTED["header"])
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == EXPECTED["header"]
    got = parsed[1:]
    assert len(got) == len(rows), f"{len(got)} records, expects {len(rows)}"
    wrong = [(i, g, w) for i, (g, w) in enumerate(zip(got, rows, strict=True)) if g != w]
    assert not wrong, f"{len(wrong)} records differ, first: {wrong[:3]}"


def report_of(stdout):
    lines = [line for line in stdout.decode("utf-8", "replace").splitlines() if line.strip()]
    assert lines, "the script printed nothing"
    return json.loads(lines[-1])


def test_clean_file_holds_every_valid_record():
    assert_clean_csv(WORKSPACE / VARIABLES["clean"], EXPECTED["rows"])


def test_report_counts_kept_and_dropped():
    report = json.loads((WORKSPACE / "clean" / "report.json").read_text())
    assert report == {"kept": len(EXPECTED["rows"]), "dropped": EXPECTED["dropped"]}


def fresh_run(tmp_path, index):
    fresh = EXPECTED["fresh"][index]
    source = tmp_path / "in" / "other_export.csv"
    source.parent.mkdir()
    source.write_bytes(base64.b64decode(fresh["data"]))
    target = tmp_path / "out.csv"
    done = run_script(str(source), str(target))
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    assert report_of(done.stdout) == {"kept": len(fresh["rows"]), "dropped": fresh["dropped"]}
    assert_clean_csv(target, fresh["rows"])


def test_script_on_another_export_with_mixed_line_endings(tmp_path):
    fresh_run(tmp_path, 0)


def test_script_on_another_export_without_bom_or_crlf(tmp_path):
    fresh_run(tmp_path, 1)


def test_script_on_a_third_export_without_bom(tmp_path):
    fresh_run(tmp_path, 2)


def test_missing_input_exits_2_with_a_message(tmp_path):
    assert SCRIPT.is_file(), "recover_csv.py was not written"
    done = run_script("/tmp/no-such-export.csv", str(tmp_path / "out.csv"))
    assert done.returncode == 2
    assert done.stderr.strip()
