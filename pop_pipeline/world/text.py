"""Captions, comments, bios and account names, from templates and the taxonomy's words.

A caption has a length drawn from a gamma distribution matching ``caption_words_mean`` /
``caption_words_std`` (whitespace-separated tokens, hashtags and emoji included). Its tokens:
an opener phrase, words of the caption's concept (more of them the higher the text quality;
some preceded by an adjective), filler words, hashtags from the subcategory's and concept's
words, sometimes an emoji-like token. A mismatched caption uses another concept's words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pop_pipeline.world.config import TextConfig
from pop_pipeline.world.taxonomy import Taxonomy
from pop_pipeline.world.vocabulary import (
    ADJECTIVES,
    BIO_OPENERS,
    BIO_TAILS,
    CAPTION_OPENERS,
    COMMENT_OPENERS,
    EMOJI_TOKENS,
    FILLER_WORDS,
    FIRST_NAMES,
    LAST_NAMES,
    LOCATIONS,
)


@dataclass(frozen=True)
class Caption:
    """A caption and its hashtag entities (character offsets into ``text``)."""

    text: str  # the tweet text
    hashtags: tuple[tuple[int, int, str], ...]  # (start, end, tag without '#')


def _pick(rng: np.random.Generator, options) -> str:
    return options[int(rng.integers(0, len(options)))]


def _tag(word: str) -> str:
    return "".join(ch for ch in word if ch.isalnum())


class CaptionWriter:
    """Writes captions and comments in one shared style."""

    def __init__(self, taxonomy: Taxonomy, config: TextConfig) -> None:
        self._taxonomy = taxonomy
        self._config = config
        variance = config.caption_words_std**2
        self._gamma_shape = config.caption_words_mean**2 / variance
        self._gamma_scale = variance / config.caption_words_mean

    def caption(self, concept: int, text_quality: float, rng: np.random.Generator) -> Caption:
        """Caption about ``concept`` (the caption concept, which may differ from the image)."""
        taxonomy = self._taxonomy
        words = taxonomy.concept_words[concept]
        sub_words = taxonomy.subcategory_words[taxonomy.concept_subcategory[concept]]
        length = max(1, round(rng.gamma(self._gamma_shape, self._gamma_scale)))
        n_tags = min(int(rng.integers(0, self._config.max_hashtags + 1)), length - 1)
        n_emoji = int(rng.random() < 0.35 and length - n_tags >= 3)
        body = length - n_tags - n_emoji
        share = 0.15 + 0.45 / (1.0 + math.exp(-text_quality))
        n_topic = max(1, int(rng.binomial(body, share))) if body >= 1 else 0
        n_topic = min(n_topic, body)
        tokens: list[str] = []
        filler_budget = body - n_topic
        if filler_budget >= 3 and rng.random() < 0.6:
            opener = _pick(rng, CAPTION_OPENERS).split()
            if len(opener) <= filler_budget:
                tokens.extend(opener)
                filler_budget -= len(opener)
        middle: list[list[str]] = []
        for _ in range(n_topic):
            chunk = [_pick(rng, words)]
            if filler_budget > 0 and rng.random() < 0.4:
                chunk.insert(0, _pick(rng, ADJECTIVES))
                filler_budget -= 1
            middle.append(chunk)
        middle.extend([_pick(rng, FILLER_WORDS)] for _ in range(filler_budget))
        for i in rng.permutation(len(middle)).tolist():
            tokens.extend(middle[i])
        tag_pool = [sub_words[0], *words[:2]]
        tags = [_tag(_pick(rng, tag_pool)) for _ in range(n_tags)]
        return _assemble(tokens, tags, [_pick(rng, EMOJI_TOKENS)] if n_emoji else [])

    def comment(self, concept: int, commenter_concept: int, rng: np.random.Generator) -> str:
        """A short reply about the tweet's concept (or, sometimes, the commenter's own topic)."""
        if rng.random() < self._config.comment_off_topic_share:
            concept = commenter_concept
        words = self._taxonomy.concept_words[concept]
        tokens = _pick(rng, COMMENT_OPENERS).split()
        for _ in range(int(rng.integers(0, 3))):
            tokens.append(_pick(rng, words) if rng.random() < 0.6 else _pick(rng, FILLER_WORDS))
        if rng.random() < 0.5:
            tokens.append(_pick(rng, EMOJI_TOKENS))
        return " ".join(tokens)


def _assemble(tokens: list[str], tags: list[str], emoji: list[str]) -> Caption:
    """Join tokens, then hashtags (recording their offsets), then emoji."""
    text = " ".join(tokens)
    entities = []
    for tag in tags:
        if text:
            text += " "
        start = len(text)
        text += "#" + tag
        entities.append((start, len(text), tag))
    for token in emoji:
        text = f"{text} {token}" if text else token
    return Caption(text=text, hashtags=tuple(entities))


@dataclass(frozen=True)
class Profile:
    """Public profile text of one account."""

    username: str  # unique handle
    name: str  # display name
    description: str  # bio
    location: str  # free-text location


def write_profiles(
    taxonomy: Taxonomy, interest_concepts: np.ndarray, rng: np.random.Generator
) -> list[Profile]:
    """Handles, names, locations and bios whose words come from each user's interests."""
    profiles: list[Profile] = []
    taken: set[str] = set()
    for concepts in interest_concepts.tolist():
        own = [c for c in concepts if c >= 0]
        first, last = _pick(rng, FIRST_NAMES), _pick(rng, LAST_NAMES)
        topic = taxonomy.concept_words[own[0]]
        handle = f"{_tag(first).lower()}_{_tag(_pick(rng, topic))}{int(rng.integers(1, 1000))}"
        while handle in taken:
            handle += str(int(rng.integers(0, 10)))
        taken.add(handle)
        location = _pick(rng, LOCATIONS)
        words = []
        for concept in own:
            words.append(_pick(rng, taxonomy.concept_words[concept]))
            if rng.random() < 0.5:
                sub = taxonomy.concept_subcategory[concept]
                words.append(_pick(rng, taxonomy.subcategory_words[sub]))
        bio = f"{_pick(rng, BIO_OPENERS)} {', '.join(dict.fromkeys(words))}"
        tail = _pick(rng, BIO_TAILS)
        if tail:
            bio += f" | {tail}"
        if location and rng.random() < 0.3:
            bio += f" | {location}"
        profiles.append(
            Profile(username=handle, name=f"{first} {last}", description=bio, location=location)
        )
    return profiles
