import numpy as np
import pandas as pd
import pytest

from pop_pipeline.ml.metrics.ranking import (
    DSEMPRE_METRICS,
    RANKING_METRICS,
    dsempre_ranking_metrics,
    per_user_ranking_metrics,
)


def user_rows(user: str, labelled_scores: list[tuple[int, float]]) -> list[tuple]:
    return [(user, f"{user}{i}", label, score) for i, (label, score) in enumerate(labelled_scores)]


# (label, score) per candidate, best first
# A: 12 candidates, positives ranked 1, 3, 7 and 11
A = [(1, 1.0), (0, 0.9), (1, 0.8), (0, 0.7), (0, 0.6), (0, 0.5),
     (1, 0.4), (0, 0.3), (0, 0.2), (0, 0.1), (1, 0.05), (0, 0.01)]  # fmt: skip
# B: 11 candidates; {pos, pos, neg} tied on ranks 4–6 straddle the top-5 cut
B = [(0, 0.9), (0, 0.8), (0, 0.7), (1, 0.5), (1, 0.5), (0, 0.5),
     (0, 0.4), (0, 0.3), (0, 0.2), (0, 0.1), (0, 0.0)]  # fmt: skip
C = [(1, 0.9), (0, 0.5), (0, 0.1)]  # 3 candidates only (excluded from @5 and @10)
D = [(0, 0.5)] * 12  # no positive (excluded from everything)
E = [(1, 0.3)] + [(0, 0.3)] * 9  # 10 candidates all tied, one positive
USERS = {"A": A, "B": B, "C": C, "D": D, "E": E}
ROWS = [row for user, ranked in USERS.items() for row in user_rows(user, ranked)]
FRAME = pd.DataFrame(ROWS, columns=["user_id", "tweet_id", "label", "score"])

# hand values per user; B at K = 5: 3 above the tie of 3, so each tied row is in the top 5 with
# probability (5 − 3) / 3 = 2/3 and the expected hits are 2 · 2/3 = 4/3
EXPECTED = {
    "p@1": {"A": 1.0, "B": 0.0, "C": 1.0, "E": 0.1},
    "p@5": {"A": 2 / 5, "B": (4 / 3) / 5, "E": 0.1},
    "p@10": {"A": 3 / 10, "B": 2 / 10, "E": 0.1},
    "recall@1": {"A": 1 / 4, "B": 0.0, "C": 1.0, "E": 0.1},
    "recall@5": {"A": 2 / 4, "B": (4 / 3) / 2, "E": 0.5},
    "recall@10": {"A": 3 / 4, "B": 1.0, "E": 1.0},
}


def test_per_user_precision_and_recall_match_hand_computation():
    table = per_user_ranking_metrics(FRAME, DSEMPRE_METRICS)
    assert list(table.columns) == ["p@1", "p@5", "p@10", "recall@1", "recall@5", "recall@10"]
    for metric, expected in EXPECTED.items():
        assert table[metric].dropna().to_dict() == pytest.approx(expected), metric


def test_dsempre_table_is_the_mean_over_users_where_defined():
    means = {metric: sum(v.values()) / len(v) for metric, v in EXPECTED.items()}
    assert dsempre_ranking_metrics(FRAME) == pytest.approx(means)
    shuffled = FRAME.sample(frac=1, random_state=0)
    assert dsempre_ranking_metrics(shuffled) == pytest.approx(means)


def test_recall_of_constant_and_perfect_scorers():
    rng = np.random.default_rng(0)
    users = np.repeat(np.arange(100), 20)  # 20 candidates per user, 2 to 6 positives
    labels = np.concatenate([np.r_[np.ones(k), np.zeros(20 - k)] for k in rng.integers(2, 7, 100)])
    frame = pd.DataFrame({"user_id": users, "tweet_id": np.arange(2000), "label": labels})
    constant = dsempre_ranking_metrics(frame.assign(score=0.0))
    for k in (1, 5, 10):  # a random top K holds K/20 of the positives on average
        assert constant[f"recall@{k}"] == pytest.approx(k / 20)
    perfect = dsempre_ranking_metrics(frame.assign(score=labels + rng.random(2000) * 0.5))
    assert perfect["recall@10"] == 1.0 and perfect["p@1"] == 1.0
    assert perfect["p@5"] < 1.0  # users with fewer than 5 positives cannot fill the top 5


def test_recall_metrics_are_registered_with_their_formula():
    for name in ("recall@1", "recall@5", "recall@10"):
        metric = RANKING_METRICS[name]
        assert metric.name == name and metric.higher_is_better
        assert "|positives|" in (metric.__doc__ or "")
