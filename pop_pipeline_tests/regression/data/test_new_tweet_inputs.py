from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from pop_pipeline.ml.clip.architectures import IN_DOMAIN_MODEL
from pop_pipeline.ml.clip.encoding import encode_images, encode_texts
from pop_pipeline.ml.clip.factory import create_clip
from pop_pipeline.ml.models.regression import regression_inputs as names
from pop_pipeline.regression.data.feature_sources import TweetEmbeddingTable
from pop_pipeline.regression.data.features import RegressionFeatureConfig
from pop_pipeline.regression.data.new_tweet_inputs import (
    StoredRegressionHistory,
    new_tweet_frame,
    new_tweet_regression_inputs,
)
from pop_pipeline.regression.data.tweets import REGRESSION_TWEET_COLUMNS
from pop_pipeline.regression.data.vocabularies import fit_regression_vocabularies
from pop_pipeline_tests.regression.regression_fixtures import USERS, stored_tweets


def _history(dim: int) -> StoredRegressionHistory:
    """The fixtures' three stored posts (10:00, 11:00, 12:00 by 101, 102, 101); image row of
    tweet k is k·e_0, text row k·e_1."""
    values = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    image = np.zeros((3, dim), dtype=np.float32)
    text = np.zeros((3, dim), dtype=np.float32)
    image[:, 0], text[:, 1] = values, values
    return StoredRegressionHistory(
        tweets=stored_tweets(),
        users=USERS,
        embeddings=TweetEmbeddingTable(("1", "2", "3"), image, text),
    )


def _prediction_input(photo: str) -> pd.DataFrame:
    """What read_prediction_input yields: a known author (102) and an unseen one (z)."""
    return pd.DataFrame(
        {
            "tweet_id": ["8", "9"],
            "author_id": ["102", "z"],
            "created_at": ["2026-03-01T11:30:00.000Z", "2026-03-01T09:00:00Z"],
            "text": ["red cat", "zebra"],
            "comments": ["", ""],
            "media_uri": [photo, photo],
            "author_followers_count": [5, 7],
        }
    )


def test_new_tweet_frame_takes_known_authors_from_the_store_and_counts_hours_to_now():
    frame = new_tweet_frame(_prediction_input("p.png"), USERS, pd.Timestamp("2026-03-02 11:30"))
    assert list(frame.columns) == list(REGRESSION_TWEET_COLUMNS)
    assert frame["hours_elapsed"].tolist() == [24.0, 26.5]
    # 102 is stored: the stored counts win; z is unseen: the input's followers, the rest unknown
    assert frame["author_followers_count"].tolist() == [99.0, 7.0]
    assert frame["author_following_count"].iloc[0] == 3 and np.isnan(
        frame["author_following_count"].iloc[1]
    )
    assert pd.isna(frame["author_created_at"].iloc[1])
    assert frame["category"].isna().all()
    assert frame["created_at"].iloc[0] == pd.Timestamp("2026-03-01 11:30")


def test_cheap_inputs_need_no_clip_and_unseen_users_map_to_zero():
    history = _history(dim=2)
    vocab = fit_regression_vocabularies(history.tweets, min_word_count=1)
    built = new_tweet_regression_inputs(
        _prediction_input("never-opened.png"),
        history=history,
        vocabularies=vocab,
        clip=None,
        required=(names.USER_INDEX, names.SIDE_FEATURES, names.USER_FEATURES),
        observed_at=pd.Timestamp("2026-03-01 12:30"),
    )
    assert built.tweet_ids == ["8", "9"] and built.quarantine.empty
    # training users: 101 (2 tweets) = 1, 102 = 2; z unseen = 0
    assert built.tensors[names.USER_INDEX].tolist() == [2, 0]
    # log1p(99 stored followers) = ln 100, log1p(1 hour) = ln 2
    assert built.tensors[names.SIDE_FEATURES][0].tolist() == pytest.approx([np.log(100), np.log(2)])
    # z's following/tweet/listed counts and account age are unknown: z-score 0
    assert built.tensors[names.USER_FEATURES][1, 1:5].tolist() == [0.0, 0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="CLIP"):
        new_tweet_regression_inputs(
            _prediction_input("p.png"),
            history=history,
            vocabularies=vocab,
            clip=None,
            required=(names.IMAGE_EMBEDDING,),
            observed_at=pd.Timestamp("2026-03-02"),
        )


def test_clip_inputs_are_encoded_with_the_clip_and_the_window_comes_from_the_store(
    tmp_path: Path,
):
    photo = tmp_path / "photo.png"
    Image.new("RGB", (32, 24), (10, 200, 30)).save(photo)
    clip = create_clip(IN_DOMAIN_MODEL, None, seed=0, device="cpu")
    expected_image = encode_images(clip, [str(photo)]).embeddings[0]
    expected_text = encode_texts(clip, ["red cat"])[0]
    dim = expected_image.shape[0]
    history = _history(dim)
    vocab = fit_regression_vocabularies(history.tweets, min_word_count=1)
    tweets = _prediction_input(str(photo))
    tweets.loc[1, "media_uri"] = str(tmp_path / "missing.png")
    built = new_tweet_regression_inputs(
        tweets.assign(category=["Tech", "Art"]),
        history=history,
        vocabularies=vocab,
        clip=clip,
        required=(
            names.IMAGE_EMBEDDING,
            names.TEXT_EMBEDDING,
            names.PATCH_FEATURES,
            names.SEQUENCE_IMAGE_EMBEDDING,
            names.SEQUENCE_CATEGORY_IDS,
            names.SEQUENCE_MASK,
        ),
        observed_at=pd.Timestamp("2026-03-02"),
        config=RegressionFeatureConfig(sequence_length=3),
    )
    assert built.tweet_ids == ["8"]
    assert built.quarantine[["tweet_id", "reason"]].values.tolist() == [["9", "media_missing"]]
    np.testing.assert_allclose(built.tensors[names.IMAGE_EMBEDDING][0], expected_image, atol=1e-5)
    np.testing.assert_allclose(built.tensors[names.TEXT_EMBEDDING][0], expected_text, atol=1e-5)
    assert built.tensors[names.PATCH_FEATURES].shape[0] == 1
    # posted at 11:30: stored posts 1 (10:00) and 2 (11:00) precede it, 3 (12:00) does not
    window = built.tensors[names.SEQUENCE_IMAGE_EMBEDDING][0]
    assert window[:2, 0].tolist() == [1.0, 2.0]
    np.testing.assert_allclose(window[2], expected_image, atol=1e-5)
    assert built.tensors[names.SEQUENCE_MASK].tolist() == [[True, True, True]]
    # categories: Art = 1, Tech = 2; the new tweet's own category from the input
    assert built.tensors[names.SEQUENCE_CATEGORY_IDS][0, :, 0].tolist() == [1, 2, 2]
