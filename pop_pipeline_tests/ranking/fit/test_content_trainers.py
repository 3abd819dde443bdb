"""The content-model trainers on a small synthetic RankingData with two tastes."""

import numpy as np
import pandas as pd
import pytest
import torch

from pop_pipeline.ranking.data.ranking_data import RankingData
from pop_pipeline.ranking.fit.content_trainers import (
    CitingTrainingParams,
    DSempreTrainingParams,
    UserProfileTexts,
    VbprTrainingParams,
    train_citing,
    train_dsempre,
    train_vbpr,
)

N_USERS, N_TWEETS, N_TRAIN_TWEETS = 12, 60, 40
CPU = torch.device("cpu")


def two_taste_data() -> RankingData:
    """Users 0, 2, 4, … like topic 0, the others topic 1; tweets alternate topics. Only tweets
    0–39 appear in training triplets; 40–59 are new at test time."""
    rng = np.random.default_rng(0)
    group = np.arange(N_USERS) % 2
    topic = np.arange(N_TWEETS) % 2
    image = np.eye(4)[topic] + 0.2 * rng.normal(size=(N_TWEETS, 4))
    text = np.eye(4)[topic + 2] + 0.2 * rng.normal(size=(N_TWEETS, 4))
    users = np.repeat(np.arange(N_USERS), 10)
    pos = group[users] + 2 * rng.integers(0, N_TRAIN_TWEETS // 2, size=len(users))
    neg = 1 - group[users] + 2 * rng.integers(0, N_TRAIN_TWEETS // 2, size=len(users))
    source = np.arange(N_USERS)
    return RankingData(
        train_fraction=0.8,
        user_ids=[f"u{i}" for i in range(N_USERS)],
        tweet_ids=[f"t{i}" for i in range(N_TWEETS)],
        image=(image / np.linalg.norm(image, axis=1, keepdims=True)).astype(np.float32),
        text=text.astype(np.float32),
        follow_source=source,
        follow_target=(source + 2) % N_USERS,  # follows someone of the same taste
        triplet_users=users.astype(np.int64),
        triplet_pos=pos.astype(np.int64),
        triplet_neg=neg.astype(np.int64),
        train_retweets=pd.DataFrame(columns=["user_id", "tweet_id"]),
        train_tweets=pd.DataFrame(columns=["tweet_id", "author_id"]),
        test=pd.DataFrame(),
        triplets_without_features=0,
    )


def two_taste_profiles() -> UserProfileTexts:
    """Two profile phrases per user, embedded near their taste's direction."""
    rng = np.random.default_rng(1)
    writers = np.repeat(np.arange(N_USERS), 2)
    embeddings = np.eye(3)[writers % 2] + 0.1 * rng.normal(size=(len(writers), 3))
    return UserProfileTexts(embeddings=embeddings, user_rows=writers)


def new_tweet_auc(scores_of_user) -> float:
    """Mean over users of the share of (liked-topic, other-topic) new-tweet pairs ranked right."""
    new = np.arange(N_TRAIN_TWEETS, N_TWEETS)
    aucs = []
    for user in range(N_USERS):
        scores = scores_of_user(user, new)
        liked = new % 2 == user % 2
        aucs.append((scores[liked][:, None] > scores[~liked][None, :]).mean())
    return float(np.mean(aucs))


@pytest.mark.parametrize("negatives", ["bootstrap", "triplets"])
def test_train_vbpr_scores_new_tweets_through_their_images(negatives):
    data = two_taste_data()
    params = VbprTrainingParams(
        embedding_dim=4, visual_embedding_dim=4, epochs=15, batch_size=16, negatives=negatives
    )
    trained, losses = train_vbpr(data, params, CPU)
    assert len(losses) == 15 and losses[-1] < 0.5 * losses[0]
    seen = np.unique(np.concatenate([data.triplet_pos, data.triplet_neg]))
    assert trained.item_ids == [data.tweet_ids[row] for row in seen]
    assert not trained.model.training

    def scores_of_user(user, rows):
        ids = [data.tweet_ids[r] for r in rows]  # none of them is a trained item: cold slot
        return trained.score([data.user_ids[user]] * len(rows), ids, data.image[rows])

    assert new_tweet_auc(scores_of_user) > 0.9
    unknown = trained.score(["nobody", "nobody"], ["t0", "t59"], data.image[[0, 59]])
    assert unknown.shape == (2,) and np.isfinite(unknown).all()


def test_vbpr_params_reject_an_unknown_negative_mode():
    with pytest.raises(ValueError, match="negatives"):
        VbprTrainingParams(negatives="followees")


def test_train_citing_scores_new_tweets_by_content():
    data = two_taste_data()
    params = CitingTrainingParams(embedding_dim=4, epochs=15, batch_size=16)
    trained, losses = train_citing(data, params, CPU)
    assert losses[-1] < 0.5 * losses[0]

    def scores_of_user(user, rows):
        return trained.score([data.user_ids[user]] * len(rows), data.image[rows], data.text[rows])

    assert new_tweet_auc(scores_of_user) > 0.9
    assert np.isfinite(trained.score(["nobody"], data.image[:1], data.text[:1])).all()


@pytest.mark.parametrize("semantic_weight", [0.3, 0.0])
def test_train_dsempre_builds_bags_clusters_and_ranks_new_tweets(semantic_weight):
    data = two_taste_data()
    params = DSempreTrainingParams(
        modality_dim=16,
        descriptor_dim=16,
        embedding_dim=8,
        semantic_weight=semantic_weight,
        epochs=10,
        batch_size=16,
        learning_rate=0.01,
    )
    trained, losses = train_dsempre(data, two_taste_profiles(), params, CPU)
    assert losses[-1] < 0.5 * losses[0]
    # 24 profile phrases: k = min(2000, ⌊√12⌋) = 3 user clusters; bags sum to one
    assert trained.user_clusters.k == 3
    assert trained.user_bags.shape == (N_USERS, 3)
    np.testing.assert_allclose(trained.user_bags.sum(axis=1), 1.0, rtol=1e-6)
    if semantic_weight:
        # 40 training tweets: k = ⌊√20⌋ = 4 post clusters, fitted on training tweets only
        assert trained.post_clusters is not None and trained.post_clusters.k == 4
    else:
        assert trained.post_clusters is None

    def scores_of_user(user, rows):
        return trained.score([data.user_ids[user]] * len(rows), data.image[rows], data.text[rows])

    assert new_tweet_auc(scores_of_user) > 0.9
    assert np.isfinite(trained.score(["nobody"], data.image[:1], data.text[:1])).all()


def test_train_dsempre_is_deterministic_per_seed():
    params = DSempreTrainingParams(
        modality_dim=8, descriptor_dim=8, embedding_dim=4, epochs=2, batch_size=32, seed=4
    )
    first, first_losses = train_dsempre(two_taste_data(), two_taste_profiles(), params, CPU)
    again, again_losses = train_dsempre(two_taste_data(), two_taste_profiles(), params, CPU)
    assert first_losses == again_losses
    np.testing.assert_array_equal(first.user_bags, again.user_bags)
    for a, b in zip(first.model.parameters(), again.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_train_dsempre_needs_profile_texts():
    empty = UserProfileTexts(embeddings=np.zeros((0, 3)), user_rows=np.zeros(0, dtype=np.int64))
    with pytest.raises(ValueError, match="profile"):
        train_dsempre(two_taste_data(), empty, DSempreTrainingParams(), CPU)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_trainers_run_on_cuda():
    data, cuda = two_taste_data(), torch.device("cuda")
    vbpr, _ = train_vbpr(data, VbprTrainingParams(epochs=1), cuda)
    citing, _ = train_citing(data, CitingTrainingParams(epochs=1), cuda)
    params = DSempreTrainingParams(modality_dim=8, descriptor_dim=8, embedding_dim=4, epochs=1)
    dsempre, _ = train_dsempre(data, two_taste_profiles(), params, cuda)
    rows = np.arange(3)
    users = data.user_ids[:3]
    assert vbpr.score(users, data.tweet_ids[:3], data.image[rows]).shape == (3,)
    assert citing.score(users, data.image[rows], data.text[rows]).shape == (3,)
    assert dsempre.score(users, data.image[rows], data.text[rows]).shape == (3,)
