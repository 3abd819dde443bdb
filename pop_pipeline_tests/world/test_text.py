"""Captions, comments and bios."""

from __future__ import annotations

import json

import numpy as np

from pop_pipeline.world.seeding import Stage, stage_rng
from pop_pipeline.world.taxonomy import build_taxonomy
from pop_pipeline.world.text import CaptionWriter
from pop_pipeline_tests.world.conftest import read_jsonl


def test_caption_length_matches_amnl(tiny_world):
    lengths = np.array([len(t["text"].split()) for t in read_jsonl(tiny_world / "tweets.jsonl")])
    assert 8.0 < lengths.mean() < 10.5  # AMNL: mean 9.1
    assert 4.0 < lengths.std() < 7.0  # AMNL: std 5.4
    assert lengths.min() >= 1


def _stored_taxonomy(world) -> dict:
    return json.loads((world / "oracle/world.json").read_text(encoding="utf-8"))["taxonomy"]


def test_captions_mostly_name_their_concept_and_some_disagree(tiny_world):
    taxonomy = _stored_taxonomy(tiny_world)
    words_by_name = dict(zip(taxonomy["concept_names"], taxonomy["concept_words"], strict=True))
    tweets = read_jsonl(tiny_world / "tweets.jsonl")
    mentions = []
    for tweet in tweets:
        concept = tweet["context_annotations"][2]["entity"]["name"]
        tokens = set(tweet["text"].lower().replace("#", " ").split())
        mentions.append(bool(tokens & set(words_by_name[concept])))
    share = np.mean(mentions)
    assert 0.6 < share < 0.97  # mismatched captions (10 %) name another concept


def test_caption_writer_hashtag_offsets_and_quality_effect(tiny_config):
    taxonomy = build_taxonomy(tiny_config.taxonomy, stage_rng(tiny_config.seed, Stage.TAXONOMY))
    writer = CaptionWriter(taxonomy, tiny_config.text)
    rng = np.random.default_rng(1)
    concept_words = set(taxonomy.concept_words[3])

    def topic_share(quality: float) -> float:
        shares = []
        for _ in range(300):
            caption = writer.caption(3, quality, rng)
            for start, end, tag in caption.hashtags:
                assert caption.text[start:end] == "#" + tag
            tokens = caption.text.split()
            shares.append(sum(tok in concept_words for tok in tokens) / len(tokens))
        return float(np.mean(shares))

    assert topic_share(2.5) > topic_share(-2.5) + 0.1


def test_bios_use_interest_words(tiny_world):
    vocabulary = {w for words in _stored_taxonomy(tiny_world)["concept_words"] for w in words}
    users = read_jsonl(tiny_world / "users.jsonl")
    with_topic = [any(w.strip(",|") in vocabulary for w in u["description"].split()) for u in users]
    assert np.mean(with_topic) > 0.9
