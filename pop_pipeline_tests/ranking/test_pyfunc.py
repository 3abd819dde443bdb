"""Every registered ranking pyfunc scores the rows it can read and reports the others.

The models are stand-ins that record what they are given (the pyfuncs' own job is encoding,
skipping and shaping the output); the CLIP is the tiny in-domain one, on real image files.
"""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from pop_pipeline.ml.clip.architectures import IN_DOMAIN_MODEL
from pop_pipeline.ml.clip.factory import create_clip
from pop_pipeline.ranking import pyfunc as pyfuncs
from pop_pipeline.ranking.model_output import RANKING_OUTPUT_COLUMNS
from pop_pipeline_tests.regression import regression_fixtures as fx


class _Recorder:
    """A trained model's ``score``: remembers its arguments, scores row i as i + 1."""

    def __init__(self) -> None:
        self.user_ids = ["1"]
        self.calls: list[tuple] = []

    def score(self, *args):
        self.calls.append(args)
        return np.arange(len(list(args[0])), dtype=np.float64) + 1.0


@pytest.fixture(scope="module")
def clip():
    return create_clip(IN_DOMAIN_MODEL, None, seed=0, device="cpu")


@pytest.fixture
def batch(tmp_path) -> pd.DataFrame:
    """Users 1 (known) and 2 (unknown) × tweets a (a photo), b (missing), c (not an image)."""
    good = fx.write_photo(tmp_path)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image at all")
    uris = {"a": str(good), "b": str(tmp_path / "missing.png"), "c": str(broken)}
    rows = [(user, tweet) for user in ("1", "2") for tweet in ("a", "b", "c")]
    return pd.DataFrame(
        {
            "user_id": [u for u, _ in rows],
            "tweet_id": [t for _, t in rows],
            "author_id": "7",
            "created_at": "2026-03-01T12:00:00Z",
            "text": "a cat",
            "comments": "",
            "media_uri": [uris[t] for _, t in rows],
            "author_followers_count": 3,
        }
    )


def _check_output(out: pd.DataFrame) -> None:
    assert tuple(out.columns) == RANKING_OUTPUT_COLUMNS
    assert out["tweet_id"].tolist() == ["a", "b", "c"] * 2  # every row keeps its place
    assert out["reason"].tolist() == ["", "media_missing", "media_undecodable"] * 2
    assert (
        out["message"].iloc[1].startswith("the photo ") and "missing.png" in out["message"].iloc[1]
    )
    scores = out["score"].to_numpy()
    np.testing.assert_array_equal(scores[[0, 3]], [1.0, 2.0])  # the readable rows, in order
    assert np.isnan(scores[[1, 2, 4, 5]]).all()
    assert out["user_known"].tolist() == [True] * 3 + [False] * 3


@pytest.mark.parametrize(
    ("pyfunc_class", "attribute"),
    [
        (pyfuncs.AmnlPyfunc, "amnl"),
        (pyfuncs.VbprPyfunc, "vbpr"),
        (pyfuncs.CitingPyfunc, "citing"),
        (pyfuncs.DSemprePyfunc, "dsempre"),
    ],
)
def test_clip_pyfuncs_score_past_unreadable_photos(clip, batch, pyfunc_class, attribute):
    pyfunc = pyfunc_class()
    pyfunc.clip = clip
    model = _Recorder()
    setattr(pyfunc, attribute, model)

    out = pyfunc.predict(None, batch)

    _check_output(out)
    [args] = model.calls
    assert list(args[0]) == ["1", "2"]  # only the readable rows reach the model
    image = args[-1] if attribute == "vbpr" else args[1]
    assert image.shape[0] == 2 and not np.isnan(image).any()


def test_amnl_plus_pyfunc_scores_past_unreadable_photos(clip, batch):
    pyfunc = pyfuncs.AmnlPlusPyfunc()
    pyfunc.clip = clip
    model = _Recorder()
    pyfunc.amnl_plus = model

    out = pyfunc.predict(None, batch)

    _check_output(out)
    [(users, rows, patches, pooled, sentences)] = model.calls
    assert list(users) == ["1", "2"]
    assert rows.tolist() == [0, 0]  # both rows read tweet a, the one readable tweet
    assert len(patches) == len(pooled) == len(sentences) == 1
    assert not np.isnan(patches).any() and not np.isnan(pooled).any()


def test_id_pyfuncs_give_the_same_output_columns(batch):
    bpr = pyfuncs.BprPyfunc()
    bpr.bpr = _Recorder()
    out = bpr.predict(None, batch)
    assert tuple(out.columns) == RANKING_OUTPUT_COLUMNS
    assert (out["reason"] == "").all()  # BPR reads no photo
    assert out["user_known"].tolist() == [True] * 3 + [False] * 3

    popularity = pyfuncs.PopularityPyfunc()
    popularity.ranker = SimpleNamespace(score=lambda tweets, authors: np.ones(len(tweets)))
    out = popularity.predict(None, batch)
    assert out["user_known"].all() and (out["score"] == 1.0).all()
