import numpy as np
import pandas as pd
import pytest
import torch

from pop_pipeline.ml.models.ranking.amnl_plus import AMNLPlus
from pop_pipeline.ranking.data.ranking_data import RankingData
from pop_pipeline.ranking.fit.trainers import (
    AmnlPlusFeatures,
    AmnlPlusTrainingParams,
    train_amnl_plus,
)

N_USERS, N_TWEETS, DIM = 6, 24, 5


def ranking_data() -> tuple[RankingData, AmnlPlusFeatures]:
    """Users prefer tweets whose first sentence aligns with their taste."""
    rng = np.random.default_rng(0)
    taste = rng.normal(size=(N_USERS, DIM))
    sentences = rng.normal(size=(N_TWEETS, 3, DIM)).astype(np.float32)
    ranked = np.argsort(-(taste @ sentences[:, 0].T), axis=1)
    data = RankingData(
        train_fraction=0.8,
        user_ids=[str(1000 + u) for u in range(N_USERS)],
        tweet_ids=[str(5000 + t) for t in range(N_TWEETS)],
        image=rng.normal(size=(N_TWEETS, 4)).astype(np.float32),
        text=np.zeros((N_TWEETS, 1), dtype=np.float32),
        follow_source=np.array([0, 1, 2, 3, 4, 5, 0]),
        follow_target=np.array([1, 2, 3, 4, 5, 0, 3]),
        triplet_users=np.repeat(np.arange(N_USERS), 5),
        triplet_pos=ranked[:, :5].reshape(-1),
        triplet_neg=ranked[:, -5:].reshape(-1),
        train_retweets=pd.DataFrame(columns=["user_id", "tweet_id"]),
        train_tweets=pd.DataFrame(columns=["tweet_id", "author_id"]),
        test=pd.DataFrame(),
        triplets_without_features=0,
    )
    features = AmnlPlusFeatures(
        patches=rng.normal(size=(N_TWEETS, 9, DIM)).astype(np.float32),
        sentences=sentences,
        grid=(3, 3),
    )
    return data, features


PARAMS = AmnlPlusTrainingParams(
    preference_dim=8,
    social_attention_dim=4,
    text_attention_dim=4,
    rnn_dim=8,
    glimpse_size=2,
    epochs=12,
    batch_size=8,
    learning_rate=0.05,
)


def test_trains_amnl_plus_from_ranking_data_and_features():
    data, features = ranking_data()
    epochs: list[int] = []

    model, losses = train_amnl_plus(
        data, features, PARAMS, torch.device("cpu"), on_epoch_end=lambda e, _: epochs.append(e)
    )

    assert isinstance(model, AMNLPlus) and not model.training
    config = model.config
    assert (config.n_users, config.patch_dim, config.image_dim, config.sentence_dim) == (
        N_USERS,
        DIM,
        4,
        DIM,
    )
    assert (config.grid_height, config.grid_width, config.n_sentences) == (3, 3, 3)
    assert (config.rnn_dim, config.glimpse_size) == (8, 2)
    assert epochs == list(range(12)) and len(losses) == 12
    assert losses[-1] < 0.5 * losses[0]
    _, losses_again = train_amnl_plus(data, features, PARAMS, torch.device("cpu"))
    assert losses_again == losses  # seeded


def test_ablation_params_reach_the_model():
    data, features = ranking_data()
    params = AmnlPlusTrainingParams(
        **{**PARAMS.__dict__, "epochs": 1, "textual_guidance": False, "use_social_impact": False}
    )
    model, _ = train_amnl_plus(data, features, params, torch.device("cpu"))
    assert not model.config.textual_guidance and not model.config.use_social_impact


def test_rejects_features_of_other_tweets():
    data, features = ranking_data()
    short = AmnlPlusFeatures(features.patches[:-1], features.sentences[:-1], features.grid)
    with pytest.raises(ValueError, match="one row per tweet"):
        train_amnl_plus(data, short, PARAMS, torch.device("cpu"))
