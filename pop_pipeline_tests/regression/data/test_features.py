from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from pop_pipeline.ml.clip.feature_files import write_feature_shards
from pop_pipeline.ml.models.regression import regression_inputs as names
from pop_pipeline.regression.data.feature_sources import (
    InMemoryPatchFeatures,
    StoredPatchFeatures,
    TweetEmbeddingTable,
)
from pop_pipeline.regression.data.features import (
    EMBEDDING_MISSING,
    PATCH_FEATURES_MISSING,
    FeatureSources,
    RegressionFeatureConfig,
    build_regression_inputs,
)
from pop_pipeline.regression.data.tweets import REGRESSION_TWEET_COLUMNS, load_regression_tweets
from pop_pipeline.regression.data.vocabularies import fit_regression_vocabularies
from pop_pipeline.storage.duckdb_store import DuckDBStore


def _tweets(media_uris: list[str]) -> pd.DataFrame:
    """Five tweets by three users, one per hour (ids in time order)."""
    n = len(media_uris)
    return pd.DataFrame(
        {
            "tweet_id": [str(i + 1) for i in range(n)],
            "author_id": ["a", "b", "a", "c", "b"][:n],
            "created_at": pd.date_range("2026-03-01 10:00", periods=n, freq="h"),
            "text": ["red cat", "red dog", "blue cat", "zebra", ""][:n],
            "media_uri": media_uris,
            "hours_elapsed": [0.0, np.e - 1, 3.0, 4.0, 5.0][:n],
            "category": ["Art", "Tech", "Art", "Food", None][:n],
            "subcategory": ["Music"] * n,
            "concept": ["Guitar"] * n,
            "author_followers_count": [9, 0, 9, 3, 0][:n],
            "author_following_count": [1] * n,
            "author_tweet_count": [1] * n,
            "author_listed_count": [1] * n,
            "author_created_at": pd.to_datetime(["2026-01-01"] * n),
        }
    )[list(REGRESSION_TWEET_COLUMNS)]


@pytest.fixture
def images(tmp_path: Path) -> dict[str, str]:
    red = tmp_path / "red.png"
    Image.new("RGB", (10, 6), (255, 0, 0)).save(red)
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"not an image at all")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    return {
        "red": str(red),
        "garbage": str(garbage),
        "empty": str(empty),
        "missing": str(tmp_path / "missing.jpg"),
    }


def _embeddings(tweet_ids: list[str]) -> TweetEmbeddingTable:
    """Image row of tweet k is [k, 0], text row [0, k]."""
    values = np.array([float(t) for t in tweet_ids], dtype=np.float32)
    zeros = np.zeros_like(values)
    return TweetEmbeddingTable(
        tweet_ids=tuple(tweet_ids),
        image=np.column_stack([values, zeros]),
        text=np.column_stack([zeros, values]),
    )


def test_unreadable_images_are_quarantined_with_their_reason(images):
    tweets = _tweets([images["red"], images["garbage"], images["empty"], images["missing"]])
    vocab = fit_regression_vocabularies(tweets, min_word_count=1)
    built = build_regression_inputs(
        tweets, vocab, (names.PIXELS, names.SIDE_FEATURES), FeatureSources()
    )
    assert built.tweet_ids == ["1"]
    assert built.quarantine[["tweet_id", "reason"]].values.tolist() == [
        ["2", "media_undecodable"],
        ["3", "media_empty"],
        ["4", "media_missing"],
    ]
    pixels = built.tensors[names.PIXELS]
    assert pixels.shape == (1, 3, 64, 64) and pixels.dtype == torch.float32
    assert torch.all(pixels[0, 0] == 1.0) and torch.all(pixels[0, 1:] == 0.0)  # pure red
    # side features: log1p(9 followers) = ln 10, log1p(0 hours) = 0
    assert built.tensors[names.SIDE_FEATURES][0].tolist() == pytest.approx([np.log(10), 0.0])


def test_only_the_required_inputs_are_built_so_cheap_models_never_open_images(images):
    tweets = _tweets([images["missing"]] * 2)
    vocab = fit_regression_vocabularies(tweets, min_word_count=1)
    built = build_regression_inputs(
        tweets, vocab, (names.SIDE_FEATURES, names.USER_INDEX), FeatureSources()
    )
    assert set(built.tensors) == {names.SIDE_FEATURES, names.USER_INDEX}
    assert built.quarantine.empty and built.tweet_ids == ["1", "2"]
    # log1p(e - 1) = 1 for the second tweet's hours
    assert built.tensors[names.SIDE_FEATURES][1].tolist() == pytest.approx([0.0, 1.0])


def test_words_users_and_categories_use_the_training_vocabularies():
    tweets = _tweets(["unused"] * 5)
    vocab = fit_regression_vocabularies(tweets.iloc[:3], min_word_count=1)
    # training words: red 2, cat 2, blue 1, dog 1 -> cat=1, red=2, blue=3, dog=4
    built = build_regression_inputs(
        tweets,
        vocab,
        (names.WORD_IDS, names.WORD_MASK, names.USER_INDEX, names.CATEGORY_IDS),
        FeatureSources(),
        RegressionFeatureConfig(max_words=3),
    )
    assert built.tensors[names.WORD_IDS].tolist() == [
        [2, 1, 0],
        [2, 4, 0],
        [3, 1, 0],
        [0, 0, 0],  # "zebra": a test-only word keeps its place as 0
        [0, 0, 0],  # empty caption: one unknown word so the row is never empty
    ]
    assert built.tensors[names.WORD_MASK].sum(dim=1).tolist() == [2, 2, 2, 1, 1]
    # users: a (2 training tweets) = 1, b = 2, c unseen in training = 0
    assert built.tensors[names.USER_INDEX].tolist() == [1, 2, 1, 0, 2]
    # category: Art (2) = 1, Tech = 2; Food unseen and None -> 0
    assert built.tensors[names.CATEGORY_IDS][:, 0].tolist() == [1, 2, 1, 0, 0]
    assert built.tensors[names.CATEGORY_IDS][:, 2].tolist() == [1] * 5


def test_dsn_window_gathers_preceding_posts_and_puts_the_target_last():
    tweets = _tweets(["unused"] * 5)
    vocab = fit_regression_vocabularies(tweets, min_word_count=1)
    # tweet 2 has no embedding: quarantined as a target and absent from the history
    sources = FeatureSources(embeddings=_embeddings(["1", "3", "4", "5"]), history=tweets)
    built = build_regression_inputs(
        tweets,
        vocab,
        (
            names.IMAGE_EMBEDDING,
            names.TEXT_EMBEDDING,
            names.SEQUENCE_IMAGE_EMBEDDING,
            names.SEQUENCE_TEXT_EMBEDDING,
            names.SEQUENCE_CATEGORY_IDS,
            names.SEQUENCE_MASK,
        ),
        sources,
        RegressionFeatureConfig(sequence_length=3),
    )
    assert built.tweet_ids == ["1", "3", "4", "5"]
    assert built.quarantine[["tweet_id", "reason"]].values.tolist() == [["2", EMBEDDING_MISSING]]
    assert built.tensors[names.IMAGE_EMBEDDING][:, 0].tolist() == [1, 3, 4, 5]
    window = built.tensors[names.SEQUENCE_IMAGE_EMBEDDING][..., 0]
    assert window.tolist() == [[0, 0, 1], [0, 1, 3], [1, 3, 4], [3, 4, 5]]
    assert built.tensors[names.SEQUENCE_TEXT_EMBEDDING][..., 1].tolist() == window.tolist()
    assert built.tensors[names.SEQUENCE_MASK].tolist() == [
        [False, False, True],
        [False, True, True],
        [True, True, True],
        [True, True, True],
    ]
    # categories: Art = 1, Food = 2 (ties alphabetical), Tech = 3, None = 0; padding = 0
    assert built.tensors[names.SEQUENCE_CATEGORY_IDS][..., 0].tolist() == [
        [0, 0, 1],
        [0, 1, 1],
        [1, 1, 2],
        [1, 2, 0],
    ]


def test_patch_features_come_from_the_source_and_missing_grids_are_quarantined():
    tweets = _tweets(["unused"] * 3)
    vocab = fit_regression_vocabularies(tweets)
    grids = np.arange(2 * 4 * 2, dtype=np.float32).reshape(2, 4, 2)
    sources = FeatureSources(patches=InMemoryPatchFeatures(("3", "1"), grids))
    built = build_regression_inputs(tweets, vocab, (names.PATCH_FEATURES,), sources)
    assert built.tweet_ids == ["1", "3"]
    assert torch.equal(built.tensors[names.PATCH_FEATURES], torch.from_numpy(grids[[1, 0]]))
    assert built.quarantine["reason"].tolist() == [PATCH_FEATURES_MISSING]


def test_unknown_inputs_and_missing_sources_are_errors():
    tweets = _tweets(["unused"])
    vocab = fit_regression_vocabularies(tweets)
    with pytest.raises(ValueError, match="unknown"):
        build_regression_inputs(tweets, vocab, ("pixles",), FeatureSources())
    with pytest.raises(ValueError, match="embeddings"):
        build_regression_inputs(tweets, vocab, (names.IMAGE_EMBEDDING,), FeatureSources())


def test_stored_tables_feed_the_same_inputs(tmp_path: Path):
    """The lineage's tables: image_tweets + raw_users, tweet_embeddings, the patch index."""
    store = DuckDBStore(tmp_path / "pop.duckdb")
    tweets = _tweets(["unused"] * 3)
    image_tweets = tweets.drop(
        columns=[c for c in tweets.columns if c.startswith("author_") and c != "author_id"]
    ).assign(author_followers_count=[9, 0, 9], lang="en")
    store.replace_table("image_tweets", image_tweets)
    store.replace_table(
        "raw_users",
        pd.DataFrame(
            {
                "user_id": ["a", "b"],
                "followers_count": [9, 0],
                "following_count": [4, 5],
                "tweet_count": [6, 7],
                "listed_count": [0, 1],
                "created_at": pd.to_datetime(["2025-01-01", "2025-06-01"]),
            }
        ),
    )
    embeddings = _embeddings(["1", "2", "3"])
    store.replace_table(
        "tweet_embeddings",
        pd.DataFrame(
            {
                "tweet_id": ["3", "1", "2"],
                "image_embedding": list(embeddings.image[[2, 0, 1]]),
                "caption_embedding": list(embeddings.text[[2, 0, 1]]),
            }
        ),
        vector_columns=["image_embedding", "caption_embedding"],
    )
    grids = np.arange(2 * 4 * 2, dtype=np.float16).reshape(2, 4, 2)
    index = write_feature_shards(tmp_path / "patches", ["2", "3"], {"patches": grids})
    store.replace_table("tweet_patch_features", index)

    stored = load_regression_tweets(store)
    assert list(stored.columns) == list(REGRESSION_TWEET_COLUMNS)
    assert stored["author_following_count"].tolist() == [4, 5, 4]
    sources = FeatureSources(
        embeddings=TweetEmbeddingTable.from_store(store),
        patches=StoredPatchFeatures.from_store(store),
        history=stored,
    )
    vocab = fit_regression_vocabularies(stored)
    built = build_regression_inputs(
        stored,
        vocab,
        (names.PATCH_FEATURES, names.IMAGE_EMBEDDING, names.SEQUENCE_MASK),
        sources,
        RegressionFeatureConfig(sequence_length=2),
    )
    assert built.tweet_ids == ["2", "3"]
    assert built.quarantine["reason"].tolist() == [PATCH_FEATURES_MISSING]
    assert built.tensors[names.PATCH_FEATURES].dtype == torch.float32
    assert built.tensors[names.PATCH_FEATURES].tolist() == grids.astype(np.float32).tolist()
    assert built.tensors[names.IMAGE_EMBEDDING][:, 0].tolist() == [2, 3]
    # tweet 1 is still history (it has an embedding) even though its grid is missing
    assert built.tensors[names.SEQUENCE_MASK].tolist() == [[True, True], [True, True]]
