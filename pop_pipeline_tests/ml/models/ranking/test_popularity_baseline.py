import pandas as pd
import pytest

from pop_pipeline.ml.models.ranking.popularity_baseline import PopularityRanker

TWEETS = pd.DataFrame(
    {
        "tweet_id": ["t1", "t2", "t3", "t4", "t5"],
        "author_id": ["a", "a", "a", "b", "c"],
    }
)
TRAIN_RETWEETS = pd.DataFrame(
    {
        "user_id": ["u1", "u2", "u3", "u1", "u2", "u2"],
        "tweet_id": ["t1", "t1", "t1", "t2", "t4", "t4"],  # u2→t4 twice counts once
    }
)


def fitted() -> PopularityRanker:
    return PopularityRanker().fit(TRAIN_RETWEETS, TWEETS)


def test_hand_computed_scores_with_author_and_global_fallbacks():
    scores = fitted().score(
        ["t1", "t2", "t3", "t9", "t4", "t5", "t8"], ["a", "a", "a", "a", "b", "c", "z"]
    )
    # retweeted: t1=3, t2=1, t4=1; author means a=(3+1+0)/3, b=1/1, c=0/1; global=(3+1+0+1+0)/5
    assert scores.tolist() == pytest.approx([3.0, 1.0, 4 / 3, 4 / 3, 1.0, 0.0, 1.0])


def test_round_trips_through_json():
    model = fitted()
    restored = PopularityRanker.from_json(model.to_json())
    assert restored == model
    ids, authors = ["t1", "t3", "t8"], ["a", "a", "z"]
    assert restored.score(ids, authors).tolist() == model.score(ids, authors).tolist()
    with pytest.raises(ValueError):
        PopularityRanker.from_dict({"kind": "bpr", "version": 1})


def test_score_rejects_mismatched_lengths():
    with pytest.raises(ValueError):
        fitted().score(["t1", "t2"], ["a"])
