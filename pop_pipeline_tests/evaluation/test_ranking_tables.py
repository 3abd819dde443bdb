import numpy as np
import pandas as pd

from pop_pipeline.evaluation.ranking_tables import markdown_table, ranking_metrics_table


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
