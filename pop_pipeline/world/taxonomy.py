"""The three-level topic hierarchy (category > subcategory > concept) and its latent vectors.

Concept vectors are built top-down so the hierarchy shows in similarity: a unit category
vector, a subcategory = category + a smaller random offset, a concept = subcategory + a
smaller offset, each normalised. Names and word lists come from ``vocabulary.py``; nodes
beyond the built-in lists get pronounceable made-up names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pop_pipeline.world.config import TaxonomyConfig
from pop_pipeline.world.vocabulary import SYLLABLES, TAXONOMY_WORDS

# Entity ids of the context annotations: "<offset + global index>".
CATEGORY_ENTITY_OFFSET = 10_000
SUBCATEGORY_ENTITY_OFFSET = 20_000
CONCEPT_ENTITY_OFFSET = 30_000


@dataclass(frozen=True)
class Taxonomy:
    """Names, words and latent vectors of every node; indices are global per level."""

    category_names: tuple[str, ...]  # readable category names
    subcategory_names: tuple[str, ...]  # readable subcategory names (global index)
    concept_names: tuple[str, ...]  # readable concept names (global index)
    category_words: tuple[tuple[str, ...], ...]  # related words per category
    subcategory_words: tuple[tuple[str, ...], ...]  # related words (hashtags) per subcategory
    concept_words: tuple[tuple[str, ...], ...]  # related words per concept
    subcategory_category: np.ndarray  # (n_subcategories,) parent category index
    concept_subcategory: np.ndarray  # (n_concepts,) parent subcategory index
    concept_vectors: np.ndarray  # (n_concepts, D) unit vectors, float64

    @property
    def n_concepts(self) -> int:
        return len(self.concept_names)

    @property
    def latent_dim(self) -> int:
        return int(self.concept_vectors.shape[1])

    @property
    def concept_category(self) -> np.ndarray:
        """(n_concepts,) category index of each concept."""
        return self.subcategory_category[self.concept_subcategory]

    def to_json(self) -> dict:
        """Names, words and parents (the vectors are stored separately)."""
        return {
            "category_names": list(self.category_names),
            "subcategory_names": list(self.subcategory_names),
            "concept_names": list(self.concept_names),
            "category_words": [list(w) for w in self.category_words],
            "subcategory_words": [list(w) for w in self.subcategory_words],
            "concept_words": [list(w) for w in self.concept_words],
            "subcategory_category": self.subcategory_category.tolist(),
            "concept_subcategory": self.concept_subcategory.tolist(),
        }


def build_taxonomy(config: TaxonomyConfig, rng: np.random.Generator) -> Taxonomy:
    """Draw the hierarchy's names and latent vectors."""
    categories = list(TAXONOMY_WORDS.items())
    cat_names, cat_words, sub_names, sub_words, con_names, con_words = [], [], [], [], [], []
    sub_parent, con_parent = [], []
    for ci in range(config.n_categories):
        known_cat = categories[ci] if ci < len(categories) else None
        name, words = _node(known_cat[0] if known_cat else None, known_cat, rng)
        cat_names.append(name)
        cat_words.append(words)
        known_subs = list(known_cat[1][1].items()) if known_cat else []
        for si in range(config.n_subcategories):
            known_sub = known_subs[si] if si < len(known_subs) else None
            name, words = _node(known_sub[0] if known_sub else None, known_sub, rng)
            sub_parent.append(ci)
            sub_names.append(name)
            sub_words.append(words)
            known_cons = list(known_sub[1][1].items()) if known_sub else []
            for ki in range(config.n_concepts):
                if ki < len(known_cons):
                    name, words = known_cons[ki][0], tuple(known_cons[ki][1])
                else:
                    name, words = _made_up_node(rng)
                con_parent.append(len(sub_names) - 1)
                con_names.append(name)
                con_words.append(words)
    vectors = _concept_vectors(config, np.array(sub_parent), np.array(con_parent), rng)
    return Taxonomy(
        category_names=tuple(cat_names),
        subcategory_names=tuple(sub_names),
        concept_names=tuple(con_names),
        category_words=tuple(cat_words),
        subcategory_words=tuple(sub_words),
        concept_words=tuple(con_words),
        subcategory_category=np.array(sub_parent, dtype=np.int64),
        concept_subcategory=np.array(con_parent, dtype=np.int64),
        concept_vectors=vectors,
    )


def _node(name: str | None, known: tuple | None, rng: np.random.Generator):
    """Name and words of a category/subcategory, built in or made up."""
    if name is None or known is None:
        return _made_up_node(rng)
    return name, tuple(known[1][0])


def _made_up_node(rng: np.random.Generator) -> tuple[str, tuple[str, ...]]:
    """A pronounceable name and three related made-up words."""
    words = tuple(
        "".join(SYLLABLES[i] for i in rng.integers(0, len(SYLLABLES), size=rng.integers(2, 4)))
        for _ in range(4)
    )
    return words[0].capitalize(), words


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def _concept_vectors(
    config: TaxonomyConfig,
    sub_parent: np.ndarray,
    con_parent: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Top-down unit vectors: category, then subcategory offsets, then concept offsets."""
    dim = config.latent_dim
    categories = _unit(rng.standard_normal((config.n_categories, dim)))
    sub_offsets = _unit(rng.standard_normal((len(sub_parent), dim)))
    subcategories = _unit(categories[sub_parent] + config.subcategory_scale * sub_offsets)
    con_offsets = _unit(rng.standard_normal((len(con_parent), dim)))
    return _unit(subcategories[con_parent] + config.concept_scale * con_offsets)


def category_entity_id(category: int) -> str:
    return str(CATEGORY_ENTITY_OFFSET + int(category))


def subcategory_entity_id(subcategory: int) -> str:
    return str(SUBCATEGORY_ENTITY_OFFSET + int(subcategory))


def concept_entity_id(concept: int) -> str:
    return str(CONCEPT_ENTITY_OFFSET + int(concept))
