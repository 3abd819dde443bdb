import pytest

from pop_pipeline.ml.features.tweet_sentences import (
    MAX_SENTENCE_WORDS,
    MAX_SENTENCES,
    TweetSentences,
    split_sentences,
    tweet_sentences,
)


def test_paper_sizes():
    assert (MAX_SENTENCES, MAX_SENTENCE_WORDS) == (4, 12)


def test_split_at_sentence_ends_and_line_breaks_dropping_punctuation_and_emoji_only_pieces():
    text = "Golden hour at the beach.  So warm!\nwhat a  view?? ... ✨ #sunset"
    assert split_sentences(text) == [
        "Golden hour at the beach.",
        "So warm!",
        "what a view??",
        "✨ #sunset",
    ]
    assert split_sentences("✨ ❤") == []
    assert split_sentences("v1.2 is out") == ["v1.2 is out"]  # no space after the dot


def test_caption_first_then_comments_padded_by_repeating_the_last():
    slots = tweet_sentences("a red circle. on grass", ["love it"])
    assert slots == TweetSentences(
        sentences=("a red circle.", "on grass", "love it", "love it"), count=3
    )


def test_keeps_the_first_four_sentences_and_twelve_words_each():
    long = " ".join(f"w{i}" for i in range(15))
    slots = tweet_sentences(long, ["one", "two", "three", "four"])
    assert slots.count == 4
    assert slots.sentences == (" ".join(f"w{i}" for i in range(12)), "one", "two", "three")


def test_comments_as_one_reply_per_line_or_none():
    assert tweet_sentences("cap", "first reply\nsecond reply").sentences == (
        "cap",
        "first reply",
        "second reply",
        "second reply",
    )
    assert tweet_sentences("cap", None) == TweetSentences(sentences=("cap",) * 4, count=1)


def test_no_text_gives_empty_slots_and_count_zero():
    assert tweet_sentences("", ["✨", "   "]) == TweetSentences(sentences=("",) * 4, count=0)


def test_custom_sizes_and_bad_sizes():
    slots = tweet_sentences("a b c. d e", [], max_sentences=3, max_words=2)
    assert slots == TweetSentences(sentences=("a b", "d e", "d e"), count=2)
    with pytest.raises(ValueError):
        tweet_sentences("a", [], max_sentences=0)
