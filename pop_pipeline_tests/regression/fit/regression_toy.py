"""A toy regression world for the fit-function and baseline tests: 48 tweets by 6 authors,
4-d CLIP vectors, 2x2 patch grids, coloured 8x8 photos, a target that depends on the image
embedding and the author."""

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from pop_pipeline.regression.data.feature_sources import (
    InMemoryPatchFeatures,
    TweetEmbeddingTable,
)
from pop_pipeline.regression.data.features import FeatureSources, RegressionFeatureConfig
from pop_pipeline.regression.data.splits import regression_splits
from pop_pipeline.regression.data.tweets import REGRESSION_TWEET_COLUMNS
from pop_pipeline.regression.data.vocabularies import fit_regression_vocabularies
from pop_pipeline.regression.fit.torch_models import RegressionTrainingData

N_TWEETS = 48
WORDS = ("sun", "sea", "cat", "dog", "art", "food")


def toy_data(tmp_path: Path, protocol: str = "paper002", n: int = N_TWEETS):
    """``RegressionTrainingData`` of the toy world under ``protocol`` (and the tweets)."""
    rng = np.random.default_rng(7)
    authors = [f"u{i % 6}" for i in range(n)]
    image = rng.normal(size=(n, 4)).astype(np.float32)
    text = rng.normal(size=(n, 4)).astype(np.float32)
    uris = []
    for i in range(n):
        path = tmp_path / f"{i}.png"
        shade = int(255 * (i % 5) / 4)
        Image.new("RGB", (8, 8), (shade, 255 - shade, 80)).save(path)
        uris.append(str(path))
    tweets = pd.DataFrame(
        {
            "tweet_id": [f"{i:03d}" for i in range(n)],
            "author_id": authors,
            "created_at": pd.date_range("2026-03-01", periods=n, freq="h"),
            "text": [f"{WORDS[i % 6]} {WORDS[(i * 5) % 6]} photo" for i in range(n)],
            "media_uri": uris,
            "hours_elapsed": np.linspace(200.0, 100.0, n),
            "category": [["Art", "Food", "Tech"][i % 3] for i in range(n)],
            "subcategory": ["Music"] * n,
            "concept": ["Guitar"] * n,
            "author_followers_count": [10 * (i % 6) for i in range(n)],
            "author_following_count": [5] * n,
            "author_tweet_count": [50] * n,
            "author_listed_count": [1] * n,
            "author_created_at": pd.to_datetime(["2025-01-01"] * n),
        }
    )[list(REGRESSION_TWEET_COLUMNS)]
    author_effect = np.array([int(a[1:]) for a in authors], dtype=float) * 0.3
    target = 2.0 + 0.8 * image[:, 0] + author_effect
    splits = regression_splits(tweets[["tweet_id", "created_at"]], (protocol,), seed=3)
    train = tweets[tweets["tweet_id"].isin(splits.loc[splits["split"] == "train", "tweet_id"])]
    ids = tuple(tweets["tweet_id"])
    data = RegressionTrainingData(
        protocol=protocol,
        target="popularity_score",
        tweets=tweets,
        targets=pd.Series(target, index=list(ids)),
        splits=splits.set_index("tweet_id")["split"],
        vocabularies=fit_regression_vocabularies(train, min_word_count=1),
        sources=FeatureSources(
            embeddings=TweetEmbeddingTable(tweet_ids=ids, image=image, text=text),
            patches=InMemoryPatchFeatures(
                tweet_ids=ids, patches=rng.normal(size=(n, 4, 3)).astype(np.float32)
            ),
            history=tweets,
        ),
        feature_config=RegressionFeatureConfig(max_words=4, sequence_length=3, image_size=8),
    )
    return data, tweets
