import pandas as pd
import pytest

from pop_pipeline.regression.data.vocabularies import (
    RegressionVocabularies,
    TokenVocabulary,
    caption_words,
    fit_regression_vocabularies,
)


def _tweets(texts, authors, categories) -> pd.DataFrame:
    n = len(texts)
    return pd.DataFrame(
        {
            "text": texts,
            "author_id": authors,
            "category": [c[0] for c in categories],
            "subcategory": [c[1] for c in categories],
            "concept": [c[2] for c in categories],
            "created_at": pd.to_datetime(["2026-03-01 10:00"] * n),
            "author_created_at": pd.to_datetime(["2026-02-01 10:00"] * n),
            "author_followers_count": [1] * n,
            "author_following_count": [2] * n,
            "author_tweet_count": [3] * n,
            "author_listed_count": [0] * n,
        }
    )


TRAIN = _tweets(
    ["Cat cat dog", "dog BIRD #Cat"],
    ["11", "12"],
    [("Art", "Music", "Guitar"), ("Tech", "Music", None)],
)
TEST = _tweets(["zebra cat"], ["99"], [("Food", "Music", "Drum")])


def test_caption_words_lower_case_and_keep_hashtags_mentions_and_apostrophes():
    assert caption_words("Sunny #Beach, isn't it? @Ann!") == [
        "sunny",
        "#beach",
        "isn't",
        "it",
        "@ann",
    ]


def test_words_need_the_minimum_count_in_training_rows_and_test_only_words_map_to_zero():
    vocab = fit_regression_vocabularies(TRAIN, min_word_count=2)
    # training counts: cat 2, dog 2, bird 1, #cat 1 -> cat=1, dog=2 (ties alphabetical)
    assert vocab.words.tokens == ("cat", "dog")
    assert vocab.words.ids(caption_words(TEST["text"].iloc[0])) == [0, 1]  # zebra unseen
    assert vocab.words.size == 3


def test_max_words_keeps_the_most_frequent():
    vocab = fit_regression_vocabularies(TRAIN, min_word_count=1, max_words=2)
    # counts: cat 2, dog 2, #cat 1, bird 1 -> the two most frequent
    assert vocab.words.tokens == ("cat", "dog")


def test_users_and_categories_come_from_training_rows_only():
    vocab = fit_regression_vocabularies(TRAIN)
    assert vocab.users.ids(["11", "12", "99"]) == [1, 2, 0]
    category, subcategory, concept = vocab.categories
    assert category.ids(["Art", "Tech", "Food", None]) == [1, 2, 0, 0]
    assert subcategory.tokens == ("Music",)
    assert concept.tokens == ("Guitar",)  # None is never a token


def test_token_vocabulary_orders_by_count_then_token():
    vocab = TokenVocabulary.fit(["b", "a", "c", "b", "c", "d"])
    assert vocab.tokens == ("b", "c", "a", "d")
    assert vocab.id("c") == 2 and vocab.id("zz") == 0 and vocab.id(None) == 0


def test_json_round_trip_keeps_every_vocabulary_and_the_scaler():
    vocab = fit_regression_vocabularies(TRAIN, min_word_count=1)
    restored = RegressionVocabularies.from_json(vocab.to_json())
    assert restored == vocab
    assert restored.words.ids(["dog", "bird"]) == vocab.words.ids(["dog", "bird"])


def test_from_json_rejects_other_documents():
    with pytest.raises(ValueError, match="format"):
        RegressionVocabularies.from_json('{"format": "something-else"}')
