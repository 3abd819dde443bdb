"""Fast run config for whole-graph materializations in tests (small epochs, small models)."""

FAST_RUN_CONFIG = {
    "ops": {
        "clip_encoder": {"config": {"epochs": 2, "batch_size": 64}},
        "amnl_model": {"config": {"epochs": 4, "preference_dim": 64, "attention_dim": 32}},
        "bpr_model": {"config": {"epochs": 5, "embedding_dim": 16}},
    }
}

# One asset of each stage of the lineage, raw tweets to metrics.
LINEAGE_ASSETS = frozenset(
    {
        "raw_tweets",
        "raw_quarantine",
        "image_tweets",
        "retweet_splits",
        "clip_encoder",
        "tweet_embeddings",
        "followee_negative_triplets",
        "ranking_test_candidates",
        "amnl_model",
        "bpr_model",
        "popularity_model",
        "ranking_metrics",
    }
)
