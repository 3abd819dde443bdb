"""Every ``pop`` command answers a mistake in its call with one line and exit status 2;
missing data (no metrics yet) is status 1; bugs keep their traceback."""

import pytest

from pop_pipeline import cli
from pop_pipeline.usage_error import UsageError


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("POP_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("POP_RAW_URI", raising=False)
    return tmp_path


def _one_line(capsys) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.strip().splitlines()
    return line


def _predict(path) -> list[str]:
    return ["predict", "--model", "pop-amnl@champion", "--input", str(path), "--users", "1"]


def test_predict_input_that_cannot_be_read(home, capsys):
    assert cli.main(_predict(home / "nope.jsonl")) == 2
    assert _one_line(capsys) == f"pop predict: input file {home / 'nope.jsonl'} does not exist"

    assert cli.main(_predict(home)) == 2
    assert _one_line(capsys) == f"pop predict: input {home} is a directory, not a JSON Lines file"

    latin1 = home / "latin1.jsonl"
    latin1.write_bytes(b'{"id": "1"}\n{"id": "2", "text": "caf\xe9"}\n')
    assert cli.main(_predict(latin1)) == 2
    assert _one_line(capsys) == (
        f"pop predict: input file {latin1} line 2 is not UTF-8 (byte 0xe9 at column 25)"
    )


def test_world_config_missing_or_invalid(home, capsys):
    out = str(home / "world")
    assert cli.main(["world", "--preset", "tiny", "--config", "nope.yaml", "--out", out]) == 2
    assert _one_line(capsys) == "pop world: --config nope.yaml: no such file"

    bad = home / "bad.yaml"
    bad.write_text("no_such_knob: 3\n")
    assert cli.main(["world", "--preset", "tiny", "--config", str(bad), "--out", out]) == 2
    line = _one_line(capsys)
    assert line.startswith(f"pop world: --config {bad}: ") and "no_such_knob" in line


def test_run_raw_pointing_nowhere(home, capsys, monkeypatch):
    assert cli.main(["run", "--raw", str(home / "nowhere")]) == 2
    assert _one_line(capsys) == f"pop run: --raw {home / 'nowhere'} does not exist"

    monkeypatch.setenv("POP_RAW_URI", str(home / "gone"))
    assert cli.main(["run"]) == 2
    assert _one_line(capsys) == f"pop run: POP_RAW_URI {home / 'gone'} does not exist"


def test_run_select_naming_no_asset(home, capsys, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster_home"))
    (home / "raw").mkdir()
    assert cli.main(["run", "--raw", str(home / "raw"), "--select", "no_such_asset"]) == 2
    assert _one_line(capsys).startswith(
        "pop run: --select 'no_such_asset': AssetKey(s) ['no_such_asset'] were selected"
    )


def test_metrics_with_nothing_yet_is_missing_data_not_a_mistake(home, capsys):
    assert cli.main(["metrics"]) == 1
    assert _one_line(capsys) == "pop metrics: no metrics yet: run `pop run` first"


def test_other_errors_keep_their_traceback(home, monkeypatch):
    def broken(args):
        raise KeyError("a bug")

    monkeypatch.setattr(cli, "_metrics", broken)
    with pytest.raises(KeyError, match="a bug"):
        cli.main(["metrics"])

    def mistaken(args):
        raise UsageError("a mistake")

    monkeypatch.setattr(cli, "_metrics", mistaken)
    assert cli.main(["metrics"]) == 2
