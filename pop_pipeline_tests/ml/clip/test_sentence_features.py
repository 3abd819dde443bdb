"""Per-sentence text features: slot shapes, padding by repetition, truncation, order."""

from __future__ import annotations

import numpy as np
import pytest

from pop_pipeline.ml.clip import encode_texts
from pop_pipeline.ml.clip.sentence_features import EncodedSentences, encode_tweet_sentences

CAPTIONS = [
    "a red circle. on green grass",
    " ".join(f"word{i}" for i in range(20)),
    "",
]
COMMENTS = [["love it"], "one\ntwo\nthree\nfour", ["✨"]]


@pytest.fixture
def encoded(bundle) -> EncodedSentences:
    return encode_tweet_sentences(bundle, CAPTIONS, COMMENTS, batch_size=3)


def test_shapes_counts_and_mask(encoded):
    assert encoded.features.shape == (3, 4, 128)
    assert encoded.features.dtype == np.float32
    assert encoded.counts.tolist() == [3, 4, 0]
    assert encoded.mask.tolist() == [
        [True, True, True, False],
        [True, True, True, True],
        [False, False, False, False],
    ]
    np.testing.assert_allclose(np.linalg.norm(encoded.features, axis=-1), 1.0, atol=1e-5)


def test_each_slot_is_its_truncated_sentence_and_padding_repeats_the_last(bundle, encoded):
    expected_texts = [
        ["a red circle.", "on green grass", "love it", "love it"],
        [" ".join(f"word{i}" for i in range(12)), "one", "two", "three"],
        ["", "", "", ""],
    ]
    for row, texts in enumerate(expected_texts):
        np.testing.assert_allclose(encoded.features[row], encode_texts(bundle, texts), atol=1e-5)
    np.testing.assert_array_equal(encoded.features[0, 3], encoded.features[0, 2])
    assert not np.allclose(encoded.features[0, 0], encoded.features[0, 1])


def test_result_does_not_depend_on_tweet_order(bundle, encoded):
    reversed_ = encode_tweet_sentences(bundle, CAPTIONS[::-1], COMMENTS[::-1], batch_size=3)
    np.testing.assert_array_equal(reversed_.features, encoded.features[::-1])
    np.testing.assert_array_equal(reversed_.counts, encoded.counts[::-1])


def test_custom_slot_count_and_empty_input(bundle):
    two = encode_tweet_sentences(bundle, CAPTIONS, COMMENTS, max_sentences=2, max_words=3)
    assert two.features.shape == (3, 2, 128)
    assert two.counts.tolist() == [2, 2, 0]
    assert encode_tweet_sentences(bundle, [], []).features.shape == (0, 4, 128)
    assert encode_tweet_sentences(bundle, [], [], max_sentences=2).features.shape == (0, 2, 128)
    with pytest.raises(ValueError):
        encode_tweet_sentences(bundle, ["a"], [])
