import math

import numpy as np
import pytest

from pop_pipeline.ml.features.caption_words import BagOfWords, CooccurrenceWordVectors
from pop_pipeline.ml.models.regression.svr_baselines import (
    SVRBow,
    SVRConfig,
    SVRImage,
    SVRWordEmbedding,
    log_side_features,
)


def mse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean((a - b) ** 2))


def test_log_side_features_by_hand():
    side = log_side_features([0, math.e - 1], [3.0, 0.0])
    np.testing.assert_allclose(side, [[0.0, math.log(4.0)], [1.0, 0.0]])
    with pytest.raises(ValueError, match="non-negative"):
        log_side_features([-1], [1.0])


def image_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """y = sin(2·e0) + 0.5·log1p(followers)."""
    rng = np.random.default_rng(seed)
    embeddings = rng.normal(size=(n, 4))
    side = log_side_features(rng.integers(0, 1000, n), rng.uniform(168, 500, n))
    return embeddings, side, np.sin(2 * embeddings[:, 0]) + 0.5 * side[:, 0]


def test_svr_image_learns_a_relation_better_than_the_mean():
    train, test = image_data(300, 0), image_data(100, 1)
    model = SVRImage(SVRConfig(c=10.0, epsilon=0.01)).fit(*train)
    predictions = model.predict(test[0], test[1])
    baseline = np.full(100, train[2].mean())
    assert mse(predictions, test[2]) < 0.2 * mse(baseline, test[2])


def test_subsampling_is_seeded():
    train, test = image_data(120, 0), image_data(20, 1)

    def fitted(seed: int) -> np.ndarray:
        config = SVRConfig(max_train_rows=50, seed=seed)
        return SVRImage(config).fit(*train).predict(test[0], test[1])

    np.testing.assert_array_equal(fitted(4), fitted(4))
    assert not np.array_equal(fitted(4), fitted(5))


def captions_data(n: int, seed: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """A caption mentioning a sunset scores 2 more than one without."""
    rng = np.random.default_rng(seed)
    words = ["sunset beach glow", "office desk paper", "cat sleeps here", "sunset sky glow"]
    captions = [words[i] for i in rng.integers(0, 4, n)]
    side = log_side_features(rng.integers(0, 100, n), np.full(n, 200.0))
    y = np.array([2.0 if "sunset" in c else 0.0 for c in captions]) + 0.1 * side[:, 0]
    return captions, side, y


@pytest.mark.parametrize(
    "model",
    [
        SVRBow(SVRConfig(epsilon=0.01), bag=BagOfWords(min_count=5)),
        SVRWordEmbedding(
            SVRConfig(epsilon=0.01),
            word_vectors=CooccurrenceWordVectors(dim=4, window=3, min_count=2),
        ),
    ],
    ids=["svr_bow", "svr_wordemb"],
)
def test_text_svrs_learn_a_word_effect(model):
    train, test = captions_data(200, 0), captions_data(80, 1)
    predictions = model.fit(*train).predict(test[0], test[1])
    baseline = np.full(80, train[2].mean())
    assert mse(predictions, test[2]) < 0.1 * mse(baseline, test[2])


def test_bow_vocabulary_comes_from_training_captions_only():
    model = SVRBow(bag=BagOfWords(min_count=1)).fit(["a b", "b c"], np.zeros((2, 2)), [0.0, 1.0])
    assert model.bag.vocabulary == {"a": 0, "b": 1, "c": 2}
    assert model.predict(["zebra"], np.zeros((1, 2))).shape == (1,)


def test_refuses_misaligned_or_unfitted_use():
    with pytest.raises(ValueError, match="do not align"):
        SVRImage().fit(np.zeros((3, 2)), np.zeros((2, 2)), [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        SVRImage().fit(np.zeros((2, 2)), np.zeros((2, 2)), [0.0, float("nan")])
    with pytest.raises(RuntimeError, match="not fitted"):
        SVRImage().predict(np.zeros((1, 2)), np.zeros((1, 2)))
