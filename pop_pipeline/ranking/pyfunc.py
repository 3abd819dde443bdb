"""``mlflow.pyfunc.PythonModel`` wrappers: what users fetch as ``models:/pop-<model>@champion``.

Each wrapper loads a model package (:mod:`pop_pipeline.ranking.packages.amnl_bpr_popularity`) from
its
``package`` artifact and scores the ranking input of :mod:`pop_pipeline.ranking.model_input`
— raw tweets with their photo, for given users — returning the frame of
:mod:`pop_pipeline.ranking.model_output`: one row per input row with its ``score``, whether
the model knows the user, and the reason a row whose photo cannot be read was not scored.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pandas as pd
from mlflow.pyfunc import PythonModel

import pop_pipeline.settings  # noqa: F401  (telemetry off in serving processes too)
from pop_pipeline.ranking.model_input import ranking_input_frame
from pop_pipeline.ranking.model_output import (
    RowScores,
    ranking_output,
    readable_tweet_index,
    rows_of_tweets,
    score_readable,
    unreadable_photos,
)
from pop_pipeline.ranking.packages import amnl_bpr_popularity, content_models
from pop_pipeline.registry.clip_package import load_clip
from pop_pipeline.registry.model_code import PACKAGE_ARTIFACT


class _RankingPyfunc(PythonModel):
    def _folder(self, context: Any) -> Path:
        return Path(context.artifacts[PACKAGE_ARTIFACT])

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None):
        frame = ranking_input_frame(pd.DataFrame(model_input))
        return ranking_output(frame, self.score_frame(frame), self.known_user_ids())

    @abstractmethod
    def score_frame(self, frame: pd.DataFrame) -> RowScores:
        """One score per row of the typed ranking input (NaN, with a reason, where skipped)."""

    @abstractmethod
    def known_user_ids(self) -> Collection[str] | None:
        """The users the model was trained with (``None``: it does not personalise)."""


class _ClipRankingPyfunc(_RankingPyfunc):
    """A model that scores CLIP features of the raw tweets: its package bundles the CLIP it
    was trained on (in ``clip/``), so it scores tweets it has never seen."""

    def load_context(self, context: Any) -> None:
        folder = self._folder(context)
        self.clip = load_clip(folder / "clip")
        self.load_package(folder)

    @abstractmethod
    def load_package(self, folder: Path) -> None:
        """Load the model package (onto ``self.clip.device``)."""


class AmnlPyfunc(_ClipRankingPyfunc):
    """AMNL (and its ablations) with its CLIP: encodes photo and text, then scores."""

    def load_package(self, folder: Path) -> None:
        self.amnl = amnl_bpr_popularity.AmnlPackage.load(folder)
        self.amnl.model.to(self.clip.device)

    def score_frame(self, frame: pd.DataFrame) -> RowScores:
        features = amnl_bpr_popularity.encode_tweet_features(self.clip, frame)
        return score_readable(
            len(frame),
            unreadable_photos(frame["media_uri"], features.failed),
            lambda ok: self.amnl.score(frame["user_id"][ok], features.image[ok], features.text[ok]),
        )

    def known_user_ids(self) -> Collection[str]:
        return self.amnl.user_ids


class AmnlPlusPyfunc(_ClipRankingPyfunc):
    """AMNL+ (and its ablations): patch grid and sentence features of each distinct tweet."""

    def load_package(self, folder: Path) -> None:
        self.amnl_plus = content_models.AmnlPlusPackage.load(folder)
        self.amnl_plus.model.to(self.clip.device)

    def score_frame(self, frame: pd.DataFrame) -> RowScores:
        from pop_pipeline.ml.clip.patch_features import encode_image_patches
        from pop_pipeline.ml.clip.sentence_features import encode_tweet_sentences

        rows, tweets = content_models.distinct_tweet_rows(frame)
        patches = encode_image_patches(self.clip, list(tweets["media_uri"]))
        skipped_tweets = unreadable_photos(tweets["media_uri"], patches.failed)
        kept, position = readable_tweet_index(len(tweets), skipped_tweets)
        sentences = encode_tweet_sentences(
            self.clip, list(tweets["text"].iloc[kept]), list(tweets["comments"].iloc[kept])
        )
        return score_readable(
            len(frame),
            rows_of_tweets(rows, skipped_tweets),
            lambda ok: self.amnl_plus.score(
                frame["user_id"][ok],
                position[rows[ok]],
                patches.patches[kept],
                patches.pooled[kept],
                sentences.features,
            ),
        )

    def known_user_ids(self) -> Collection[str]:
        return self.amnl_plus.user_ids


class VbprPyfunc(_ClipRankingPyfunc):
    """VBPR: tweet factors for tweets seen in training, visual factors from the CLIP image."""

    def load_package(self, folder: Path) -> None:
        self.vbpr = content_models.load_vbpr(folder)
        self.vbpr.model.to(self.clip.device)

    def score_frame(self, frame: pd.DataFrame) -> RowScores:
        features = amnl_bpr_popularity.encode_tweet_features(self.clip, frame)
        return score_readable(
            len(frame),
            unreadable_photos(frame["media_uri"], features.failed),
            lambda ok: self.vbpr.score(
                frame["user_id"][ok], frame["tweet_id"][ok], features.image[ok]
            ),
        )

    def known_user_ids(self) -> Collection[str]:
        return self.vbpr.user_ids


class CitingPyfunc(_ClipRankingPyfunc):
    """The CITING stand-in: user factors times mapped image and text embeddings."""

    def load_package(self, folder: Path) -> None:
        self.citing = content_models.load_citing(folder)
        self.citing.model.to(self.clip.device)

    def score_frame(self, frame: pd.DataFrame) -> RowScores:
        features = amnl_bpr_popularity.encode_tweet_features(self.clip, frame)
        return score_readable(
            len(frame),
            unreadable_photos(frame["media_uri"], features.failed),
            lambda ok: self.citing.score(
                frame["user_id"][ok], features.image[ok], features.text[ok]
            ),
        )

    def known_user_ids(self) -> Collection[str]:
        return self.citing.user_ids


class DSemprePyfunc(_ClipRankingPyfunc):
    """D-Sempre: the user's bag of profile clusters and the post's image and text."""

    def load_package(self, folder: Path) -> None:
        self.dsempre = content_models.load_dsempre(folder)
        self.dsempre.model.to(self.clip.device)

    def score_frame(self, frame: pd.DataFrame) -> RowScores:
        features = amnl_bpr_popularity.encode_tweet_features(self.clip, frame)
        return score_readable(
            len(frame),
            unreadable_photos(frame["media_uri"], features.failed),
            lambda ok: self.dsempre.score(
                frame["user_id"][ok], features.image[ok], features.text[ok]
            ),
        )

    def known_user_ids(self) -> Collection[str]:
        return self.dsempre.user_ids


class BprPyfunc(_RankingPyfunc):
    """BPR matrix factorisation: scores by user and tweet id (unseen tweets score 0)."""

    def load_context(self, context: Any) -> None:
        self.bpr = amnl_bpr_popularity.BprPackage.load(self._folder(context))

    def score_frame(self, frame: pd.DataFrame) -> RowScores:
        return RowScores(self.bpr.score(frame["user_id"], frame["tweet_id"]))

    def known_user_ids(self) -> Collection[str]:
        return self.bpr.user_ids


class PopularityPyfunc(_RankingPyfunc):
    """Training retweet counts, with the author's mean for unseen tweets."""

    def load_context(self, context: Any) -> None:
        self.ranker = amnl_bpr_popularity.load_popularity(self._folder(context))

    def score_frame(self, frame: pd.DataFrame) -> RowScores:
        return RowScores(self.ranker.score(frame["tweet_id"], frame["author_id"]))

    def known_user_ids(self) -> None:
        return None  # scores by tweet and author only: no user is cold
