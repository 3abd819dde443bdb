"""Fast run config for whole-graph materializations in tests (small epochs, small models)."""

_SMALL_AMNL = {"epochs": 2, "preference_dim": 16, "attention_dim": 8}
_SMALL_AMNL_PLUS = {
    "epochs": 2,
    "preference_dim": 16,
    "social_attention_dim": 8,
    "text_attention_dim": 8,
    "rnn_dim": 16,
}
_SMALL_DSEMPRE = {
    "epochs": 2,
    "modality_dim": 16,
    "descriptor_dim": 16,
    "embedding_dim": 8,
    "user_clusters": 8,
    "post_clusters": 8,
}

# Regression models: a couple of epochs of small networks (the tiny world has ~100 tweets)
_SMALL_TORCH = {"epochs": 2, "batch_size": 64}
_SMALL_UHAN = {**_SMALL_TORCH, "dim": 8}
_SMALL_DSN = {**_SMALL_TORCH, "hidden_dim": 8, "n_heads": 2, "user_dim": 4}
REGRESSION_MODELS = (
    "hybrid_cnn_retweets",
    "hybrid_cnn_likes",
    "uhan",
    "uhan_no_intra",
    "uhan_no_inter",
    "uhan_no_intra_inter",
    "uhan_no_sc",
    "uhan_no_user",
    "uhan_no_v",
    "uhan_no_t",
    "dsn_l1",
    "dsn_l4",
    "dsn",
    "dsn_l16",
    "dsn_no_short",
    "dsn_no_long",
    "hisave",
    "svr_image",
    "svr_bow",
    "svr_wordemb",
    "gbdt",
)
_REGRESSION_CONFIG = {
    **{name: {"config": _SMALL_TORCH} for name in REGRESSION_MODELS if name.startswith("hybrid")},
    **{name: {"config": _SMALL_UHAN} for name in REGRESSION_MODELS if name.startswith("uhan")},
    **{name: {"config": _SMALL_DSN} for name in REGRESSION_MODELS if name.startswith("dsn")},
    "gbdt": {"config": {"max_iter": 20}},
    "regression_metrics": {"config": {"oracle_draws": 4}},
}

FAST_RUN_CONFIG = {
    "ops": {
        **_REGRESSION_CONFIG,
        "clip_encoder": {"config": {"epochs": 2, "batch_size": 64}},
        "amnl_model": {"config": {"epochs": 4, "preference_dim": 64, "attention_dim": 32}},
        "amnl_i_model": {"config": _SMALL_AMNL},
        "amnl_d_model": {"config": _SMALL_AMNL},
        "amnl_hfunc_model": {"config": _SMALL_AMNL},
        "amnl_plus_model": {"config": _SMALL_AMNL_PLUS},
        "amnl_plus_i_model": {"config": _SMALL_AMNL_PLUS},
        "amnl_plus_hfunc_model": {"config": _SMALL_AMNL_PLUS},
        "vbpr_model": {"config": {"epochs": 3, "embedding_dim": 8, "visual_embedding_dim": 8}},
        "citing_model": {"config": {"epochs": 3, "embedding_dim": 8}},
        "bpr_model": {"config": {"epochs": 5, "embedding_dim": 16}},
        "dsempre_model": {"config": _SMALL_DSEMPRE},
        "dsempre_nosem_model": {"config": _SMALL_DSEMPRE},
        "time_aware_negative_triplets": {"config": {"negatives_per_positive": 4}},
    }
}

RANKING_MODELS = (
    "amnl_plus",
    "amnl_plus_i",
    "amnl_plus_hfunc",
    "amnl",
    "amnl_i",
    "amnl_d",
    "amnl_hfunc",
    "vbpr",
    "citing",
    "bpr",
    "popularity",
    "dsempre",
    "dsempre_nosem",
)

# One asset of each stage of the lineage, raw tweets to metrics, and every ranking model.
LINEAGE_ASSETS = frozenset(
    {
        "raw_tweets",
        "raw_quarantine",
        "image_tweets",
        "retweet_splits",
        "recent_action_splits",
        "clip_encoder",
        "tweet_embeddings",
        "tweet_patch_features",
        "tweet_sentence_features",
        "user_profile_embeddings",
        "followee_negative_triplets",
        "ranking_test_candidates",
        "time_aware_negative_triplets",
        "dsempre_test_candidates",
        *(f"{model}_model" for model in RANKING_MODELS),
        "ranking_metrics",
        "popularity_targets",
        "regression_splits",
        "regression_vocabularies",
        *REGRESSION_MODELS,
        "regression_metrics",
    }
)
