import numpy as np
import pandas as pd
import pytest

from pop_pipeline.evaluation.ranking_tables import markdown_table, ranking_metrics_table
from pop_pipeline.ml.metrics.ranking import DSEMPRE_METRICS


def test_random_oracle_and_normalised_rows():
    # one user, one positive (t1) and two negatives
    candidates = pd.DataFrame(
        {
            "user_id": ["u"] * 3,
            "tweet_id": ["t1", "t2", "t3"],
            "label": [1, 0, 0],
            "seen_at": pd.Timestamp("2026-01-01"),
        }
    )
    scores = pd.concat(
        [
            candidates.assign(model="good", score=[3.0, 1.0, 2.0]),
            candidates.assign(model="half", score=[2.0, 3.0, 1.0]),
        ]
    )[["model", "user_id", "tweet_id", "label", "score"]]

    def oracle(frame):
        return np.where(frame["label"] == 1, 0.9, 0.1)

    table = ranking_metrics_table(scores, candidates, oracle, train_fraction=0.8)
    value = table.set_index(["model", "metric"])["value"]
    normalised = table.set_index(["model", "metric"])["normalised"]
    assert value["random", "auc"] == 0.5 and value["random", "p@1"] == 1 / 3
    assert value["oracle", "auc"] == 1.0 and value["good", "auc"] == 1.0
    assert value["half", "auc"] == 0.5 and value["half", "p@1"] == 0.0
    assert normalised["half", "auc"] == 0.0 and normalised["good", "p@1"] == 1.0
    assert set(table["protocol"]) == {"amnl"} and set(table["task"]) == {"retweet_ranking"}
    lines = markdown_table(table).splitlines()
    assert lines[2].startswith("| good |") and lines[-1].startswith("| random |")


def test_dsempre_protocol_table_with_hand_computed_precision_and_recall():
    # user a: positives t1, t2 among 12 candidates; user b: positive t1 among 2
    tweets_a = [f"t{i}" for i in range(1, 13)]
    candidates = pd.DataFrame(
        {
            "user_id": ["a"] * 12 + ["b"] * 2,
            "tweet_id": [*tweets_a, "t1", "t2"],
            "label": [1, 1] + [0] * 10 + [1, 0],
            "seen_at": pd.Timestamp("2026-01-01"),
        }
    )
    # model: a's positives at ranks 1 and 7; b's positive at rank 2
    score_a = [12.0, 6.0, 11.0, 10.0, 9.0, 8.0, 7.0, 5.0, 4.0, 3.0, 2.0, 1.0]
    scores = candidates.assign(model="dsempre", score=[*score_a, 1.0, 2.0])[
        ["model", "user_id", "tweet_id", "label", "score"]
    ]
    table = ranking_metrics_table(
        scores,
        candidates,
        lambda frame: frame["label"].to_numpy(float),
        train_fraction=0.8,
        metrics=DSEMPRE_METRICS,
        protocol="dsempre",
    )
    value = table.set_index(["model", "metric"])["value"]
    # P@K = hits in the top K / K; Recall@K = hits in the top K / the user's positives;
    # user b (2 candidates) only counts for K = 1
    assert value["dsempre", "p@1"] == (1 / 1 + 0 / 1) / 2
    assert value["dsempre", "p@5"] == pytest.approx(1 / 5)
    assert value["dsempre", "p@10"] == pytest.approx(2 / 10)
    assert value["dsempre", "recall@1"] == (1 / 2 + 0) / 2
    assert value["dsempre", "recall@5"] == 1 / 2
    assert value["dsempre", "recall@10"] == 1.0
    assert value["oracle", "recall@10"] == 1.0 and value["oracle", "p@1"] == 1.0
    assert set(table["protocol"]) == {"dsempre"} and set(table["metric"]) == set(DSEMPRE_METRICS)
    header = markdown_table(table).splitlines()[0]
    assert header.startswith("| model | P@1 | P@5 | P@10 | Recall@1 | Recall@5 | Recall@10 | P@1")
