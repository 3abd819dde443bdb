import numpy as np
import pytest

from pop_pipeline.ml.samplers.semantic_positives import NO_EXTRA_POSITIVE, sample_extra_positives

# feature rows 0..4; row 4 has no semantic cluster
POST_CLUSTERS = np.array([0, 0, 1, 2, -1])


def draw(seed: int = 0):
    # user 0 retweeted rows 0, 1 (cluster 0) and 2 (cluster 1); user 1 rows 3 and 4
    users = np.array([0, 0, 0, 0, 1, 1] + [0] * 20)
    positives = np.array([0, 1, 0, 2, 3, 4] + [2] * 20)
    return users, positives, sample_extra_positives(users, positives, POST_CLUSTERS, seed=seed)


def test_extra_positive_is_the_same_users_post_from_another_cluster():
    users, positives, extra = draw()
    # positives in cluster 0 have one candidate: row 2 (cluster 1)
    assert extra[[0, 1, 2]].tolist() == [2, 2, 2]
    # positives in cluster 1 draw from rows 0 and 1 (cluster 0); both occur over 21 draws
    assert set(extra[[3, *range(6, 26)]].tolist()) == {0, 1}
    # user 1: row 3's only other positive (row 4) has no cluster; row 4 itself has none
    assert extra[[4, 5]].tolist() == [NO_EXTRA_POSITIVE, NO_EXTRA_POSITIVE]
    present = extra != NO_EXTRA_POSITIVE
    assert (POST_CLUSTERS[extra[present]] != POST_CLUSTERS[positives[present]]).all()
    acted = set(zip(users.tolist(), positives.tolist(), strict=True))
    assert all((u, x) in acted for u, x in zip(users[present], extra[present], strict=True))
    assert extra.dtype == np.int64


def test_extra_positives_are_deterministic_per_seed():
    np.testing.assert_array_equal(draw(seed=5)[2], draw(seed=5)[2])
    assert any(not np.array_equal(draw(seed=0)[2], draw(seed=s)[2]) for s in range(1, 6))


def test_empty_and_invalid_inputs():
    empty = np.zeros(0, dtype=np.int64)
    assert sample_extra_positives(empty, empty, POST_CLUSTERS, seed=0).shape == (0,)
    with pytest.raises(ValueError):
        sample_extra_positives(np.array([0]), np.array([9]), POST_CLUSTERS, seed=0)
