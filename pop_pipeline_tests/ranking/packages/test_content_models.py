"""Packages of AMNL+, VBPR, CITING and D-Sempre: save → load gives the same scores."""

import dataclasses

import numpy as np
import pytest
import torch

from pop_pipeline.ranking.fit.content_trainers import (
    CitingTrainingParams,
    DSempreTrainingParams,
    VbprTrainingParams,
    train_citing,
    train_dsempre,
    train_vbpr,
)
from pop_pipeline.ranking.fit.trainers import train_amnl_plus
from pop_pipeline.ranking.packages import content_models as packages
from pop_pipeline_tests.ml.torch_threads import single_torch_thread  # noqa: F401
from pop_pipeline_tests.ranking.fit.test_amnl_plus_trainer import PARAMS as AMNL_PLUS_PARAMS
from pop_pipeline_tests.ranking.fit.test_amnl_plus_trainer import ranking_data as amnl_plus_data
from pop_pipeline_tests.ranking.fit.test_content_trainers import (
    N_TWEETS,
    N_USERS,
    two_taste_data,
    two_taste_profiles,
)

CPU = torch.device("cpu")
# every known user, one unknown user; every tweet (the last 20 never trained on)
USERS = [f"u{i % N_USERS}" for i in range(2 * N_TWEETS)] + ["stranger"] * 4
ROWS = np.concatenate([np.arange(N_TWEETS), np.arange(N_TWEETS), [0, 1, 58, 59]])


def _files(folder) -> set[str]:
    return {path.name for path in folder.iterdir()}


def test_vbpr_round_trip(tmp_path):
    data = two_taste_data()
    params = VbprTrainingParams(embedding_dim=4, visual_embedding_dim=4, epochs=2, batch_size=16)
    trained, _ = train_vbpr(data, params, CPU)
    tweets = [data.tweet_ids[row] for row in ROWS]
    before = trained.score(USERS, tweets, data.image[ROWS])

    packages.save_vbpr(trained, tmp_path)
    loaded = packages.load_vbpr(tmp_path)

    assert _files(tmp_path) == {"vbpr.json", "vbpr.safetensors"}
    assert loaded.item_ids == trained.item_ids and loaded.user_ids == trained.user_ids
    np.testing.assert_array_equal(loaded.score(USERS, tweets, data.image[ROWS]), before)
    assert len(set(np.round(before, 6))) > 10  # scores differ by user and tweet


def test_citing_round_trip(tmp_path):
    data = two_taste_data()
    params = CitingTrainingParams(embedding_dim=4, epochs=2, batch_size=16, modalities=("text",))
    trained, _ = train_citing(data, params, CPU)
    before = trained.score(USERS, data.image[ROWS], data.text[ROWS])

    packages.save_citing(trained, tmp_path)
    loaded = packages.load_citing(tmp_path)

    assert loaded.model.config == trained.model.config  # modalities come back as a tuple
    np.testing.assert_array_equal(loaded.score(USERS, data.image[ROWS], data.text[ROWS]), before)


@pytest.mark.parametrize("semantic_weight", [0.3, 0.0])
def test_dsempre_round_trip_keeps_bags_clusters_and_batch_norm(tmp_path, semantic_weight):
    data = two_taste_data()
    params = DSempreTrainingParams(
        user_clusters=2,
        post_clusters=2,
        modality_dim=8,
        descriptor_dim=8,
        embedding_dim=4,
        semantic_weight=semantic_weight,
        epochs=2,
        batch_size=16,
    )
    trained, _ = train_dsempre(data, two_taste_profiles(), params, CPU)
    before = trained.score(USERS, data.image[ROWS], data.text[ROWS])

    packages.save_dsempre(trained, tmp_path)
    loaded = packages.load_dsempre(tmp_path)

    np.testing.assert_array_equal(loaded.user_bags, trained.user_bags)
    np.testing.assert_array_equal(loaded.user_clusters.centroids, trained.user_clusters.centroids)
    assert (loaded.post_clusters is None) == (semantic_weight == 0)
    running_mean = "post_branch.norm.running_mean"  # BatchNorm statistics are buffers
    assert torch.equal(
        loaded.model.state_dict()[running_mean], trained.model.state_dict()[running_mean]
    )
    assert trained.model.state_dict()[running_mean].abs().sum() > 0
    assert not loaded.model.training
    np.testing.assert_array_equal(loaded.score(USERS, data.image[ROWS], data.text[ROWS]), before)


@pytest.mark.parametrize("variant", [{}, {"textual_guidance": False}, {"use_social_impact": False}])
def test_amnl_plus_round_trip_scores_each_tweet_once_like_the_model(tmp_path, variant):
    data, features = amnl_plus_data()
    params = dataclasses.replace(AMNL_PLUS_PARAMS, epochs=1, **variant)
    model, _ = train_amnl_plus(data, features, params, CPU)
    package = packages.AmnlPlusPackage(model=model, user_ids=list(data.user_ids))
    users = [*data.user_ids, "stranger"]
    rows = np.array([0, 5, 7, 7, 23, 1, 0])
    pairs_users = [users[i % len(users)] for i in range(len(rows))]
    scores = package.score(pairs_users, rows, features.patches, data.image, features.sentences)

    index = [
        data.user_ids.index(u) if u in data.user_ids else model.unknown_user_index
        for u in pairs_users
    ]
    with torch.inference_mode():
        direct = model.score(
            torch.tensor(index),
            torch.from_numpy(features.patches[rows]),
            torch.from_numpy(data.image[rows]),
            torch.from_numpy(features.sentences[rows]),
        )
    np.testing.assert_allclose(scores, direct.double().numpy(), rtol=1e-5, atol=1e-6)

    package.save(tmp_path)
    loaded = packages.AmnlPlusPackage.load(tmp_path)
    assert loaded.model.config == model.config
    assert _files(tmp_path) == {"amnl_plus.json", "amnl_plus.safetensors"}
    again = loaded.score(pairs_users, rows, features.patches, data.image, features.sentences)
    np.testing.assert_array_equal(again, scores)


def test_distinct_tweet_rows_maps_each_row_to_its_first_occurrence():
    import pandas as pd

    frame = pd.DataFrame({"tweet_id": ["b", "a", "b", "c", "a"], "user_id": list("12345")})
    rows, tweets = packages.distinct_tweet_rows(frame)
    assert list(tweets["tweet_id"]) == ["b", "a", "c"]
    assert list(tweets["user_id"]) == ["1", "2", "4"]
    assert rows.tolist() == [0, 1, 0, 2, 1]
