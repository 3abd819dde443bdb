"""Tiny regression packages for the registry and serving tests: a stored history of three
posts, the tiny in-domain CLIP, DSN / UHAN / Hybrid CNN estimators and every baseline."""

from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from PIL import Image

from pop_pipeline.ml.clip.architectures import IN_DOMAIN_MODEL
from pop_pipeline.ml.clip.encoding import encode_texts
from pop_pipeline.ml.clip.factory import create_clip
from pop_pipeline.ml.clip.patch_features import encode_image_patches
from pop_pipeline.ml.models.regression.dsn import DSN, dsn_config
from pop_pipeline.ml.models.regression.gbdt import GBDTConfig
from pop_pipeline.ml.models.regression.hisave import HistoricalAverage
from pop_pipeline.ml.models.regression.hybrid_cnn import HybridCNN, HybridCNNConfig
from pop_pipeline.ml.models.regression.svr_baselines import SVRConfig
from pop_pipeline.ml.models.regression.uhan import UHAN, uhan_config
from pop_pipeline.registry.clip_package import load_clip, save_clip
from pop_pipeline.regression.data.feature_sources import TweetEmbeddingTable
from pop_pipeline.regression.data.features import CLIP_INPUTS, RegressionFeatureConfig
from pop_pipeline.regression.data.new_tweet_inputs import (
    StoredRegressionHistory,
    new_tweet_frame,
    new_tweet_regression_inputs,
)
from pop_pipeline.regression.data.tweets import REGRESSION_TWEET_COLUMNS
from pop_pipeline.regression.data.vocabularies import (
    RegressionVocabularies,
    fit_regression_vocabularies,
)
from pop_pipeline.regression.fit.baselines import (
    HisAveBaseline,
    SVRBowBaseline,
    SVRWordEmbeddingBaseline,
    make_baseline,
)
from pop_pipeline.regression.packages import RegressionPackage, torch_estimator_spec

USERS = pd.DataFrame(
    {
        "user_id": ["101", "102"],
        "followers_count": [9, 99],
        "following_count": [1, 3],
        "tweet_count": [10, 30],
        "listed_count": [0, 2],
        "created_at": pd.to_datetime(["2026-02-01", "2026-02-21"]),
    }
)
OBSERVED_AT = pd.Timestamp("2026-03-02 12:00").to_pydatetime()


def stored_tweets() -> pd.DataFrame:
    """Three stored posts at 10:00, 11:00, 12:00 on 1 March by users 101, 102, 101."""
    return pd.DataFrame(
        {
            "tweet_id": ["1", "2", "3"],
            "author_id": ["101", "102", "101"],
            "created_at": pd.to_datetime(
                ["2026-03-01 10:00", "2026-03-01 11:00", "2026-03-01 12:00"]
            ),
            "text": ["red cat", "red dog", "blue cat"],
            "media_uri": ["stored"] * 3,
            "hours_elapsed": [100.0, 99.0, 98.0],
            "category": ["Art", "Tech", "Art"],
            "subcategory": ["Music"] * 3,
            "concept": ["Guitar"] * 3,
            "author_followers_count": [9, 99, 9],
            "author_following_count": [1, 3, 1],
            "author_tweet_count": [10, 30, 10],
            "author_listed_count": [0, 2, 0],
            "author_created_at": pd.to_datetime(["2026-02-01", "2026-02-21", "2026-02-01"]),
        }
    )[list(REGRESSION_TWEET_COLUMNS)]


def history(dim: int, seed: int = 0) -> StoredRegressionHistory:
    """The stored posts with random unit embeddings of width ``dim``."""
    rng = np.random.default_rng(seed)
    image = rng.normal(size=(3, dim)).astype(np.float32)
    text = rng.normal(size=(3, dim)).astype(np.float32)
    image /= np.linalg.norm(image, axis=1, keepdims=True)
    text /= np.linalg.norm(text, axis=1, keepdims=True)
    return StoredRegressionHistory(
        tweets=stored_tweets(),
        users=USERS,
        embeddings=TweetEmbeddingTable(("1", "2", "3"), image, text),
    )


def write_photo(folder: Path, name: str = "photo.png", colour=(10, 200, 30)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    Image.new("RGB", (40, 30), colour).save(path)
    return path


def prediction_tweets(photo: Path, missing: Path) -> pd.DataFrame:
    """What ``read_prediction_input`` yields: a known author (102), an unseen one (999) and
    a tweet whose photo does not exist. Posted at 11:30, after stored posts 1 and 2."""
    return pd.DataFrame(
        {
            "tweet_id": ["8", "9", "10"],
            "author_id": ["102", "999", "101"],
            "created_at": [
                "2026-03-01T11:30:00.000Z",
                "2026-03-01T11:30:00.000Z",
                "2026-03-01T11:45:00.000Z",
            ],
            "text": ["red cat", "zebra dog", "blue cat"],
            "comments": ["", "", ""],
            "media_uri": [str(photo), str(photo), str(missing)],
            "author_followers_count": [5, 7, 9],
        }
    )


def clip_package(folder: Path) -> Path:
    clip = create_clip(IN_DOMAIN_MODEL, None, seed=0, device="cpu")
    save_clip(clip, folder)
    return folder


def clip_widths(clip_dir: Path, photo: Path) -> tuple[int, int]:
    """``(clip_dim, patch_dim)`` of the packaged CLIP."""
    clip = load_clip(clip_dir, device="cpu")
    return (
        int(encode_texts(clip, ["x"]).shape[1]),
        int(encode_image_patches(clip, [str(photo)]).patches.shape[-1]),
    )


def vocabularies() -> RegressionVocabularies:
    return fit_regression_vocabularies(stored_tweets(), min_word_count=1)


def dsn_package(clip_dir: Path, photo: Path, seed: int = 0) -> RegressionPackage:
    vocab = vocabularies()
    clip_dim, _ = clip_widths(clip_dir, photo)
    features = vocab.user_scaler.transform(stored_tweets()).shape[1]
    config = dsn_config(
        "dsn_l4",
        n_users=vocab.users.size,
        clip_dim=clip_dim,
        user_feature_dim=features,
        category_vocab_sizes=tuple(v.size for v in vocab.categories),
        hidden_dim=8,
        n_heads=2,
        user_dim=4,
        initial_output=1.5,
    )
    torch.manual_seed(seed)
    model = DSN(config).eval()
    return RegressionPackage(
        model_name="dsn_l4",
        protocol="paper004",
        target="popularity_score",
        estimator=model,
        estimator_spec=torch_estimator_spec(model),
        vocabularies=vocab,
        feature_config=RegressionFeatureConfig(sequence_length=config.sequence_length),
        required_inputs=model.required_inputs,
        history=history(clip_dim),
        clip_package_dir=clip_dir,
    )


def uhan_package(clip_dir: Path, photo: Path) -> RegressionPackage:
    vocab = vocabularies()
    _, patch_dim = clip_widths(clip_dir, photo)
    torch.manual_seed(1)
    model = UHAN(
        uhan_config(
            "uhan",
            n_users=vocab.users.size,
            vocab_size=vocab.words.size,
            patch_dim=patch_dim,
            word_dim=6,
            hidden_dim=6,
            user_dim=5,
            attention_dim=4,
            head_dim=4,
        )
    ).eval()
    return RegressionPackage(
        model_name="uhan",
        protocol="paper002",
        target="popularity_score",
        estimator=model,
        estimator_spec={"class": "UHAN", "config": asdict(model.config)},
        vocabularies=vocab,
        feature_config=RegressionFeatureConfig(max_words=5),
        required_inputs=model.required_inputs,
        history=None,
        clip_package_dir=clip_dir,
    )


def hybrid_cnn_package(history_or_none: StoredRegressionHistory | None = None) -> RegressionPackage:
    torch.manual_seed(2)
    config = HybridCNNConfig(image_size=16, conv_channels=(2, 3), fc_units=(5, 4))
    model = HybridCNN(config).eval()
    return RegressionPackage(
        model_name="hybrid_cnn_retweets",
        protocol="paper001",
        target="log_retweets",
        estimator=model,
        estimator_spec=torch_estimator_spec(model),
        vocabularies=vocabularies(),
        feature_config=RegressionFeatureConfig(image_size=16),
        required_inputs=model.required_inputs,
        history=history_or_none,
        clip_package_dir=None,
    )


def baseline_package() -> RegressionPackage:
    """HisAve fitted on authors 101, 102, 101 with targets 1, 4, 3 (means 2 and 4; 8/3)."""
    hisave = HisAveBaseline(HistoricalAverage().fit(["101", "102", "101"], [1.0, 4.0, 3.0]))
    return RegressionPackage(
        model_name="hisave",
        protocol="paper002",
        target="popularity_score",
        estimator=hisave,
        estimator_spec={"class": "HisAveBaseline"},
        vocabularies=vocabularies(),
        feature_config=RegressionFeatureConfig(),
        required_inputs=hisave.required_inputs,
        history=history(4),
        clip_package_dir=None,
    )


def training_tweets(folder: Path) -> pd.DataFrame:
    """Six prediction-input rows with readable photos of six colours, by 101, 102 and 999."""
    photos = [
        write_photo(folder, f"train{i}.png", (40 * i, 255 - 40 * i, 20 * i)) for i in range(6)
    ]
    return pd.DataFrame(
        {
            "tweet_id": [f"t{i}" for i in range(6)],
            "author_id": ["101", "102", "999", "101", "102", "999"],
            "created_at": [f"2026-03-01T0{i}:00:00.000Z" for i in range(6)],
            "text": ["red cat", "red dog", "blue cat", "red cat sun", "blue dog", "cat dog"],
            "comments": [""] * 6,
            "media_uri": [str(path) for path in photos],
            "author_followers_count": [5, 7, 9, 11, 13, 15],
        }
    )


def fitted_baseline_package(name: str, clip_dir: Path, photo_folder: Path) -> RegressionPackage:
    """The baseline ``name`` fitted on :func:`training_tweets` (targets 1 … 6) with the
    package's own feature assembly, so its inputs have the widths prediction builds."""
    baseline = make_baseline(
        name, svr=SVRConfig(epsilon=0.01), gbdt=GBDTConfig(max_iter=8, min_samples_leaf=1)
    )
    if isinstance(baseline, SVRBowBaseline):
        baseline.model.bag.min_count = 1
    if isinstance(baseline, SVRWordEmbeddingBaseline):
        baseline.model.word_vectors.min_count = 1
    required = tuple(baseline.required_inputs)
    needs_clip = bool(set(required) & CLIP_INPUTS)
    clip = load_clip(clip_dir, device="cpu") if needs_clip else None
    width = int(encode_texts(clip, ["x"]).shape[1]) if clip is not None else 4
    stored = history(width)
    tweets = training_tweets(photo_folder)
    inputs = new_tweet_regression_inputs(
        tweets,
        history=stored,
        vocabularies=vocabularies(),
        clip=clip,
        required=required,
        observed_at=OBSERVED_AT,
        config=RegressionFeatureConfig(),
    )
    assert inputs.tweet_ids == list(tweets["tweet_id"])
    frame = new_tweet_frame(tweets, stored.users, OBSERVED_AT)
    baseline.fit(inputs, frame, np.arange(1.0, 7.0))
    return RegressionPackage(
        model_name=name,
        protocol="paper001",
        target="log_retweets",
        estimator=baseline,
        estimator_spec={"class": type(baseline).__name__},
        vocabularies=vocabularies(),
        feature_config=RegressionFeatureConfig(),
        required_inputs=required,
        history=stored,
        clip_package_dir=clip_dir if needs_clip else None,
    )
