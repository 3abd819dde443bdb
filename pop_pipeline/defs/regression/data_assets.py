"""The popularity-regression datasets: targets, the three protocols' splits, vocabularies.

``popularity_targets``       one row per image tweet: the targets of papers 001, 002 and 004
                             (:mod:`pop_pipeline.regression.data.popularity_targets`); tweets that
                             cannot get a target go to ``popularity_target_quarantine`` with
                             the reason, and the rest are kept
``regression_splits``        one row per (protocol, tweet): train / validation / test of the
                             paper001, paper002 and paper004 protocols, seeded
``regression_vocabularies``  per protocol, the word, user and category vocabularies and the
                             user-feature scaler fitted on that protocol's training tweets
                             (JSON, shipped inside each registered regression model)
"""

import dagster as dg
import pandas as pd

from pop_pipeline.defs.resources import DuckDBResource
from pop_pipeline.regression.data.popularity_targets import (
    PopularityTargetError,
    popularity_targets,
)
from pop_pipeline.regression.data.splits import DEFAULT_SPLIT_SEED, regression_splits
from pop_pipeline.regression.data.tweets import load_regression_tweets
from pop_pipeline.regression.data.vocabularies import (
    MAX_WORDS,
    MIN_WORD_COUNT,
    fit_regression_vocabularies,
)
from pop_pipeline.regression.protocols import PROTOCOLS

POPULARITY_GROUP = "popularity"
TARGETS_TABLE = "popularity_targets"
TARGET_QUARANTINE_TABLE = "popularity_target_quarantine"
SPLITS_TABLE = "regression_splits"
VOCABULARIES_TABLE = "regression_vocabularies"


def targets_with_quarantine(image_tweets: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(targets, quarantine)``: the targets of every tweet that can have them, and
    ``tweet_id, reason`` of each that cannot (each refused reason in turn)."""
    remaining = image_tweets
    refused: list[pd.DataFrame] = []
    while True:
        try:
            targets = popularity_targets(remaining)
        except PopularityTargetError as error:
            refused.append(pd.DataFrame({"tweet_id": error.tweet_ids, "reason": error.reason}))
            remaining = remaining[~remaining["tweet_id"].astype(str).isin(error.tweet_ids)]
            continue
        quarantine = (
            pd.concat(refused, ignore_index=True)
            if refused
            else pd.DataFrame({"tweet_id": pd.Series(dtype=str), "reason": pd.Series(dtype=str)})
        )
        return targets, quarantine


@dg.asset(
    name=TARGETS_TABLE,
    group_name=POPULARITY_GROUP,
    kinds={"duckdb", "pandas"},
    deps=["image_tweets"],
    pool="duckdb",
)
def popularity_targets_table(
    context: dg.AssetExecutionContext, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """The regression targets of every image tweet: max-normalised and log1p retweets and likes
    (paper 001), the popularity score log2(views/day + 1) (papers 002, 004)."""
    store = duckdb.store()
    tweets = store.query(
        "SELECT tweet_id, retweet_count, like_count, impression_count, days_since_posting "
        "FROM image_tweets ORDER BY tweet_id"
    )
    targets, quarantine = targets_with_quarantine(tweets)
    store.replace_table(TARGETS_TABLE, targets)
    store.replace_table(TARGET_QUARANTINE_TABLE, quarantine)
    if len(quarantine):
        context.log.warning(f"{len(quarantine)} tweet(s) have no target: {TARGET_QUARANTINE_TABLE}")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(targets),
            "quarantined": len(quarantine),
            "quarantine_reasons": dg.MetadataValue.json(
                quarantine["reason"].value_counts().to_dict()
            ),
            "means": dg.MetadataValue.json(
                {c: round(float(targets[c].mean()), 4) for c in targets.columns[1:]}
                if len(targets)
                else {}
            ),
        }
    )


class RegressionSplitsConfig(dg.Config):
    """The seed of the random parts (paper001's 50/50 split, paper002's 1:2 rest)."""

    seed: int = DEFAULT_SPLIT_SEED


@dg.asset(
    name=SPLITS_TABLE,
    group_name=POPULARITY_GROUP,
    kinds={"duckdb", "pandas"},
    deps=[TARGETS_TABLE],
    pool="duckdb",
)
def regression_splits_table(
    context: dg.AssetExecutionContext, config: RegressionSplitsConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    """Train / validation / test of every tweet with a target under each protocol: paper001
    (random 50/50), paper002 (chronological 70 %, the rest 1:2 at random), paper004
    (chronological 8:1:1)."""
    store = duckdb.store()
    tweets = store.query(
        f"SELECT t.tweet_id, t.created_at FROM image_tweets t "
        f"JOIN {TARGETS_TABLE} p USING (tweet_id)"
    )
    splits = regression_splits(tweets, tuple(PROTOCOLS), seed=config.seed)
    store.replace_table(SPLITS_TABLE, splits)
    counts = splits.groupby(["protocol", "split"]).size()
    sizes = {p: {s: int(n) for (q, s), n in counts.items() if q == p} for p in PROTOCOLS}
    context.log.info(f"regression splits (seed {config.seed}): {sizes}")
    return dg.MaterializeResult(
        metadata={"dagster/row_count": len(splits), "seed": config.seed, "sizes": sizes}
    )


class RegressionVocabulariesConfig(dg.Config):
    """How many caption words get ids (UHAN's word vocabulary)."""

    min_word_count: int = MIN_WORD_COUNT
    max_words: int = MAX_WORDS


@dg.asset(
    group_name=POPULARITY_GROUP,
    kinds={"duckdb"},
    deps=[SPLITS_TABLE, "image_tweets", "raw_users"],
    pool="duckdb",
)
def regression_vocabularies(
    context: dg.AssetExecutionContext,
    config: RegressionVocabulariesConfig,
    duckdb: DuckDBResource,
) -> dg.MaterializeResult:
    """Per protocol: vocabularies and user scaler fitted on that protocol's training tweets only
    (JSON in ``regression_vocabularies``: protocol, vocabularies_json)."""
    store = duckdb.store()
    tweets = load_regression_tweets(store)
    splits = store.query(f"SELECT protocol, tweet_id, split FROM {SPLITS_TABLE}")
    rows, sizes = [], {}
    for protocol in PROTOCOLS:
        train_ids = set(
            splits.loc[(splits["protocol"] == protocol) & (splits["split"] == "train"), "tweet_id"]
        )
        train = tweets[tweets["tweet_id"].astype(str).isin(train_ids)]
        if train.empty:
            raise ValueError(f"{protocol}: no training tweets to fit vocabularies on")
        vocabularies = fit_regression_vocabularies(
            train, min_word_count=config.min_word_count, max_words=config.max_words
        )
        rows.append({"protocol": protocol, "vocabularies_json": vocabularies.to_json()})
        sizes[protocol] = {
            "train_tweets": len(train),
            "words": len(vocabularies.words.tokens),
            "users": len(vocabularies.users.tokens),
            "categories": [len(v.tokens) for v in vocabularies.categories],
        }
    store.replace_table(VOCABULARIES_TABLE, pd.DataFrame(rows))
    context.log.info(f"regression vocabularies: {sizes}")
    return dg.MaterializeResult(metadata={"sizes": dg.MetadataValue.json(sizes)})
