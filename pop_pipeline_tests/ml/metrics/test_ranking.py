import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from pop_pipeline.ml.metrics.ranking import (
    RANKING_METRICS,
    per_user_ranking_metrics,
    ranking_metrics,
)

# (user, tweet, label, score)
ROWS = [
    # A: ranking p1 .9 > n1 .8 > p2 .5 > n2 .1
    ("A", "p1", 1, 0.9), ("A", "n1", 0, 0.8), ("A", "n2", 0, 0.1), ("A", "p2", 1, 0.5),
    # B: m3 .7 > {q1, m1} .5 (tied) > m2 .2
    ("B", "q1", 1, 0.5), ("B", "m1", 0, 0.5), ("B", "m2", 0, 0.2), ("B", "m3", 0, 0.7),
    # C: two candidates only (excluded from P@3)
    ("C", "c1", 1, 0.3), ("C", "c2", 0, 0.1),
    # D: no positive (excluded from everything)
    ("D", "d1", 0, 0.3), ("D", "d2", 0, 0.2), ("D", "d3", 0, 0.1),
    # F: .9 pos, then {pos, neg, neg} tied at .3 straddling the top-3 cut, then .1 neg
    ("F", "f1", 1, 0.9), ("F", "f2", 1, 0.3), ("F", "f3", 0, 0.3), ("F", "f4", 0, 0.3),
    ("F", "f5", 0, 0.1),
]  # fmt: skip
FRAME = pd.DataFrame(ROWS, columns=["user_id", "tweet_id", "label", "score"])

# hand values per user
P_AT_1 = {"A": 1.0, "B": 0.0, "C": 1.0, "F": 1.0}
P_AT_3 = {"A": 2 / 3, "B": 1 / 3, "F": (1 + 2 / 3) / 3}  # F: tie of 3 fills 2 slots: 2/3 each
AUC = {"A": 3 / 4, "B": (0.5 + 1 + 0) / 3, "C": 1.0, "F": (3 + 0.5 + 0.5 + 1) / 6}


def test_per_user_values_match_hand_computation():
    table = per_user_ranking_metrics(FRAME, ("p@1", "p@3", "auc"))
    for column, expected in (("p@1", P_AT_1), ("p@3", P_AT_3), ("auc", AUC)):
        assert table[column].dropna().to_dict() == pytest.approx(expected), column


def test_means_over_included_users():
    result = ranking_metrics(FRAME)
    assert result == pytest.approx(
        {"p@1": 3 / 4, "p@3": (2 / 3 + 1 / 3 + 5 / 9) / 3, "auc": (3 / 4 + 1 / 2 + 1 + 5 / 6) / 4}
    )


def test_independent_of_row_order():
    shuffled = FRAME.sample(frac=1, random_state=0)
    assert ranking_metrics(shuffled) == pytest.approx(ranking_metrics(FRAME))


def test_constant_scorer_is_the_random_expectation_and_perfect_scorer_is_one():
    rng = np.random.default_rng(0)
    users = np.repeat(np.arange(200), 6)
    labels = (rng.random(len(users)) < 0.3).astype(int)
    labels[::6] = 1  # every user has a positive ...
    labels[1::6] = 0  # ... and a negative
    frame = pd.DataFrame({"user_id": users, "tweet_id": np.arange(len(users)), "label": labels})
    positive_share = frame.groupby("user_id").label.mean().mean()
    constant = ranking_metrics(frame.assign(score=1.0))
    assert constant == pytest.approx({"p@1": positive_share, "p@3": positive_share, "auc": 0.5})
    perfect = ranking_metrics(frame.assign(score=frame.label + rng.random(len(frame)) * 0.5))
    assert perfect["p@1"] == 1.0 and perfect["auc"] == 1.0


def test_registry_declares_names_direction_and_formula():
    assert {"p@1", "p@3", "auc"} <= set(RANKING_METRICS)
    for name, metric in RANKING_METRICS.items():
        assert metric.name == name
        assert metric.higher_is_better is True
        assert "=" in (metric.__doc__ or "")
    with pytest.raises(KeyError, match="unknown ranking metric"):
        ranking_metrics(FRAME, ("ndcg@3",))


def test_rejects_bad_frames():
    with pytest.raises(ValueError):
        ranking_metrics(FRAME.drop(columns="score"))
    with pytest.raises(ValueError):
        ranking_metrics(FRAME.assign(label=2))
    with pytest.raises(ValueError):
        ranking_metrics(FRAME.assign(score=np.nan))


def test_metric_undefined_for_every_user_is_nan():
    only_negatives = FRAME[FRAME.user_id == "D"]
    assert all(math.isnan(v) for v in ranking_metrics(only_negatives).values())


def test_auc_is_scikit_learns_roc_auc_on_tie_free_scores():
    rng = np.random.default_rng(3)
    users = np.repeat(["u1", "u2", "u3"], 40)
    labels = rng.integers(0, 2, size=len(users))
    scores = rng.permutation(len(users)) / len(users)  # distinct: no ties
    frame = pd.DataFrame({"user_id": users, "tweet_id": np.arange(len(users)).astype(str)})
    frame["label"], frame["score"] = labels, scores
    per_user = per_user_ranking_metrics(frame, ["auc"])["auc"]
    for user, rows in frame.groupby("user_id"):
        assert per_user[user] == pytest.approx(roc_auc_score(rows["label"], rows["score"]))
