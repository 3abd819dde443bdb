"""The shared table shape: long rows with hand-computed normalised values, and the markdown."""

import math

import pytest

from pop_pipeline.evaluation.metrics_tables import long_rows, metrics_markdown, normalised_cell


def test_long_rows_normalise_between_random_and_oracle() -> None:
    values = {
        "random": {"auc": 0.5, "mae": 2.0},
        "oracle": {"auc": 0.9, "mae": 1.0},
        "m": {"auc": 0.7, "mae": 1.5},
    }
    table = long_rows(values, task="t", protocol="p")
    assert list(table.columns) == ["model", "task", "protocol", "metric", "value", "normalised"]
    got = table.set_index(["model", "metric"])["normalised"]
    assert got[("m", "auc")] == pytest.approx(0.5)  # (0.7 − 0.5) / (0.9 − 0.5)
    assert got[("m", "mae")] == pytest.approx(
        0.5
    )  # (1.5 − 2) / (1 − 2): smaller-is-better works the same
    assert got[("random", "auc")] == 0.0 and got[("oracle", "mae")] == 1.0


def test_without_an_oracle_nothing_is_normalised() -> None:
    table = long_rows({"random": {"auc": 0.5}, "m": {"auc": 0.6}}, task="t")
    assert table["normalised"].map(math.isnan).all()


def test_markdown_sorts_models_and_puts_oracle_and_random_last() -> None:
    values = {
        "random": {"mae": 2.0},
        "oracle": {"mae": 1.0},
        "worse": {"mae": 2.5},
        "better": {"mae": 1.5},
    }
    text = metrics_markdown(
        long_rows(values), ["mae"], {"mae": "MAE"}, sort_by="mae", ascending=True
    )
    assert text.splitlines() == [
        "| model | MAE | MAE (norm.) |",
        "|---|---|---|",
        "| better | 1.5000 | 0.500 |",
        "| worse | 2.5000 | -0.500 |",
        "| oracle | 1.0000 | 1.000 |",
        "| random | 2.0000 | 0.000 |",
    ]


def test_normalised_cells_are_blank_for_nan_and_never_negative_zero() -> None:
    assert normalised_cell(float("nan")) == ""
    assert normalised_cell(-0.0001) == "0.000"
    assert normalised_cell(0.12345) == "0.123"
