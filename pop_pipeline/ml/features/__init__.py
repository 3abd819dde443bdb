"""Hand-built feature vectors derived from embeddings (bags of semantic clusters)."""
