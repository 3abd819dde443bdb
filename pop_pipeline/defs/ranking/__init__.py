"""Retweet ranking (papers 000 AMNL, 003 D-Sempre and the baselines): triplets, model training,
publishing and the ranking metrics."""
