import math

import numpy as np
import pytest

from pop_pipeline.ml.features.caption_words import (
    BagOfWords,
    CooccurrenceWordVectors,
    caption_words,
    cooccurrence_counts,
    ppmi_matrix,
)


def test_caption_words():
    assert caption_words("Sunset at the #Beach, with @Ana!! 2024") == [
        "sunset",
        "at",
        "the",
        "#beach",
        "with",
        "@ana",
        "2024",
    ]


def test_binary_bag_of_words_keeps_words_seen_min_count_times():
    captions = ["cat cat dog", "cat bird", "dog"]  # cat 3, dog 2, bird 1
    bow = BagOfWords(min_count=2).fit(captions)
    assert bow.vocabulary == {"cat": 0, "dog": 1}
    # binary: "cat cat" is 1, unknown words ignored
    assert bow.transform(["cat cat fish", "dog cat", "fish"]).tolist() == [
        [1.0, 0.0],
        [1.0, 1.0],
        [0.0, 0.0],
    ]


def test_ppmi_by_hand():
    vocabulary = {"a": 0, "b": 1, "c": 2}
    counts = cooccurrence_counts(["a b", "a b", "a c", "b c"], vocabulary, window=1)
    # pairs both ways: ab 2, ac 1, bc 1 → total 8; #a = 3, #b = 3, #c = 2
    assert counts.toarray().tolist() == [[0, 2, 1], [2, 0, 1], [1, 1, 0]]
    ppmi = ppmi_matrix(counts, smoothing=1.0).toarray()
    # PMI(a, b) = log((2/8) / ((3/8)(3/8))) = log(16/9); PMI(a, c) = log((1/8)/((3/8)(2/8)))
    assert ppmi[0, 1] == pytest.approx(math.log(16 / 9))
    assert ppmi[0, 2] == pytest.approx(math.log(4 / 3))
    assert ppmi[1, 2] == pytest.approx(math.log(4 / 3))
    assert ppmi[0, 0] == 0.0


def test_window_limits_the_context():
    counts = cooccurrence_counts(["a b c"], {"a": 0, "b": 1, "c": 2}, window=1)
    assert counts[0, 2] == 0 and counts[0, 1] == 1


def test_word_vectors_group_words_of_one_topic():
    beach = ["sun beach sand waves", "beach sun sand", "waves sand sun beach"]
    snow = ["snow ski cold ice", "ski snow ice", "cold ice snow ski"]
    vectors = CooccurrenceWordVectors(dim=4, window=3, min_count=1).fit((beach + snow) * 3)
    assert vectors.vectors.shape == (8, 4)

    def vector(word: str) -> np.ndarray:
        return vectors.vectors[vectors.vocabulary[word]]

    assert np.linalg.norm(vector("sun")) == pytest.approx(1.0)
    assert vector("sun") @ vector("beach") > vector("sun") @ vector("snow") + 0.5
    means = vectors.mean_vectors(["sun beach unknown", "nothing known"])
    np.testing.assert_allclose(means[0], (vector("sun") + vector("beach")) / 2)
    assert means[1].tolist() == [0.0] * 4


def test_word_vectors_are_deterministic_and_survive_tiny_vocabularies():
    captions = ["a b c d", "b c d e", "a e"] * 2
    first = CooccurrenceWordVectors(dim=2, window=2, seed=3).fit(captions).vectors
    second = CooccurrenceWordVectors(dim=2, window=2, seed=3).fit(captions).vectors
    np.testing.assert_array_equal(first, second)
    lonely = CooccurrenceWordVectors(min_count=1).fit(["alone"])
    assert lonely.mean_vectors(["alone"]).tolist() == [[0.0]]
