"""Fast run config for whole-graph materializations in tests (small epochs, small models)."""

FAST_RUN_CONFIG = {
    "ops": {
        "clip_encoder": {"config": {"epochs": 2, "batch_size": 64}},
        "amnl_model": {"config": {"epochs": 4, "preference_dim": 64, "attention_dim": 32}},
        "bpr_model": {"config": {"epochs": 5, "embedding_dim": 16}},
    }
}
