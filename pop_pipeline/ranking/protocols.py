"""The two retweet-ranking protocols as data (docs/DECISIONS.md), each name defined once here.

- ``amnl`` (paper 000 §III-A): a chronological split of all retweets at each of
  :data:`AMNL_TRAIN_FRACTIONS`; training triplets from ``followee_negative_triplets``, test
  candidates from ``ranking_test_candidates``;
- ``dsempre`` (paper 003 §4.1): each user's most recent actions are the test; training triplets
  from ``time_aware_negative_triplets``, test candidates from ``dsempre_test_candidates``.
"""

from __future__ import annotations

from dataclasses import dataclass

AMNL_PROTOCOL = "amnl"
DSEMPRE_PROTOCOL = "dsempre"
PROTOCOLS = (AMNL_PROTOCOL, DSEMPRE_PROTOCOL)
AMNL_TRAIN_FRACTIONS = (0.6, 0.7, 0.8)  # AMNL trains on the first 60, 70 or 80 % of retweets


@dataclass(frozen=True)
class ProtocolTables:
    """Where one protocol's triplets and test candidates live."""

    triplets: str
    candidates: str


PROTOCOL_TABLES = {
    AMNL_PROTOCOL: ProtocolTables("followee_negative_triplets", "ranking_test_candidates"),
    DSEMPRE_PROTOCOL: ProtocolTables("time_aware_negative_triplets", "dsempre_test_candidates"),
}
