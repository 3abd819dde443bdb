"""DuckDB tables of the embeddings assets (``defs/embeddings``) that both tasks read."""

PATCH_INDEX_TABLE = "tweet_patch_features"  # tweet → row of the CLIP patch-feature file
SENTENCE_INDEX_TABLE = "tweet_sentence_features"  # tweet → rows of the sentence-feature file
PROFILE_TABLE = "user_profile_embeddings"  # D-Sempre's user profile embeddings
