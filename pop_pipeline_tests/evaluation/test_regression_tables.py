import pandas as pd
import pytest

from pop_pipeline.evaluation.regression_tables import (
    TABLE_COLUMNS,
    regression_markdown_table,
    regression_metrics_table,
)

TRUTH = pd.Series([1.0, 2.0, 3.0, 4.0], index=["a", "b", "c", "d"])
ORACLE = pd.Series([1.5, 2.0, 2.5, 3.0], index=["a", "b", "c", "d"])


def _table(oracle=ORACLE, predictions=None):
    if predictions is None:
        predictions = pd.DataFrame(
            {
                "model": ["m"] * 4,
                "tweet_id": ["a", "b", "c", "d"],
                "prediction": [1.0, 3.0, 3.0, 3.0],
            }
        )
    return regression_metrics_table(
        predictions,
        TRUTH,
        2.0,
        oracle,
        protocol="paper002",
        target="popularity_score",
        train_fraction=0.7,
        metrics=("mse", "mae"),
    )


def test_rows_values_and_oracle_normalised_scores_by_hand():
    table = _table()
    assert list(table.columns) == list(TABLE_COLUMNS)
    value = table.set_index(["model", "metric"])["value"]
    # random predicts 2 everywhere: errors 1, 0, 1, 2
    assert value["random", "mse"] == pytest.approx(6 / 4)
    assert value["random", "mae"] == pytest.approx(4 / 4)
    # oracle errors 0.5, 0, 0.5, 1
    assert value["oracle", "mse"] == pytest.approx(1.5 / 4)
    assert value["oracle", "mae"] == pytest.approx(2 / 4)
    # the model's errors 0, 1, 0, 1
    assert value["m", "mse"] == pytest.approx(0.5)
    assert value["m", "mae"] == pytest.approx(0.5)
    normalised = table.set_index(["model", "metric"])["normalised"]
    assert normalised["m", "mse"] == pytest.approx((0.5 - 1.5) / (0.375 - 1.5))
    assert normalised["m", "mae"] == pytest.approx(1.0)
    assert normalised["random", "mse"] == 0.0 and normalised["oracle", "mae"] == 1.0
    assert set(table["task"]) == {"popularity_regression"}
    assert set(table["target"]) == {"popularity_score"}


def test_without_an_oracle_there_is_no_oracle_row_and_no_normalised_score():
    table = _table(oracle=None)
    assert set(table["model"]) == {"m", "random"}
    assert table["normalised"].isna().all()


def test_random_and_oracle_are_scored_on_the_predicted_tweets():
    predictions = pd.DataFrame({"model": ["m", "m"], "tweet_id": ["a", "d"], "prediction": [1, 4]})
    value = _table(predictions=predictions).set_index(["model", "metric"])["value"]
    assert value["random", "mae"] == pytest.approx((1 + 2) / 2)
    assert value["m", "mse"] == 0.0


def test_a_prediction_for_an_unknown_tweet_is_an_error():
    predictions = pd.DataFrame({"model": ["m"], "tweet_id": ["zz"], "prediction": [1.0]})
    with pytest.raises(KeyError):
        _table(predictions=predictions)


def test_markdown_puts_the_best_model_first_and_oracle_random_last():
    predictions = pd.DataFrame(
        {
            "model": ["good"] * 4 + ["bad"] * 4,
            "tweet_id": ["a", "b", "c", "d"] * 2,
            "prediction": [1.0, 2.0, 3.0, 3.5, 4.0, 4.0, 4.0, 4.0],
        }
    )
    markdown = regression_markdown_table(_table(predictions=predictions), "mse")
    header, _, *rows = markdown.splitlines()
    assert header == "| model | MSE | MAE | MSE (norm.) | MAE (norm.) |"
    assert [row.split("|")[1].strip() for row in rows] == ["good", "bad", "oracle", "random"]
