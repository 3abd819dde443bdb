import numpy as np
import pytest

from pop_pipeline.ml.features.semantic_clusters import (
    NO_CLUSTER,
    bag_of_clusters,
    fit_semantic_clusters,
    profile_phrases,
    profile_text,
    scaled_cluster_count,
    user_cluster_bags,
)

# two obvious groups: near (1, 0) ("A") and near (0, 1) ("B")
A1, A2 = [1.0, 0.1], [1.0, -0.1]
B1, B2 = [0.1, 1.0], [-0.1, 1.0]


def test_scaled_cluster_count_follows_sqrt_rule_and_caps():
    assert scaled_cluster_count(2000, 3_700_000) == 1360  # paper's data: same order as 2,000
    assert scaled_cluster_count(2000, 3000) == 38  # ⌊√1500⌋
    assert scaled_cluster_count(5, 3000) == 5  # never above the request
    assert scaled_cluster_count(2000, 1) == 1  # at least one cluster
    with pytest.raises(ValueError):
        scaled_cluster_count(0, 10)
    with pytest.raises(ValueError):
        scaled_cluster_count(10, 0)


def test_profile_text_and_phrases():
    assert profile_text("Into hiking, jazz", " Lisbon ") == "Into hiking, jazz | Lisbon"
    assert profile_text("", "") == ""
    phrases = profile_phrases("Into hiking,  jazz | coffee addict |  | Lisbon", "lisbon")
    assert phrases == ["Into hiking", "jazz", "coffee addict", "Lisbon"]
    assert profile_phrases("", "") == []


def test_kmeans_separates_obvious_groups_and_assigns_new_points():
    clusters = fit_semantic_clusters(np.array([A1, A2, B1, B2]), k=2, seed=0)
    assert clusters.k == 2
    labels = clusters.assign(np.array([A1, A2, B1, B2]))
    assert labels[0] == labels[1] != labels[2] == labels[3]
    # unseen texts and scale do not matter (normalised): 5·(1, 0.05) is an "A"
    new = clusters.assign(np.array([[5.0, 0.25], [0.0, 3.0]]))
    assert new.tolist() == [labels[0], labels[2]]
    assert clusters.assign(np.zeros((0, 2))).shape == (0,)
    with pytest.raises(ValueError):
        clusters.assign(np.zeros((1, 3)))


def test_kmeans_is_deterministic_per_seed():
    rng = np.random.default_rng(3)
    points = rng.normal(size=(60, 4))
    first = fit_semantic_clusters(points, k=5, seed=11)
    again = fit_semantic_clusters(points, k=5, seed=11)
    np.testing.assert_array_equal(first.centroids, again.centroids)
    np.testing.assert_array_equal(first.assign(points), again.assign(points))


def test_k_shrinks_to_the_number_of_distinct_embeddings():
    clusters = fit_semantic_clusters(np.array([A1, A1, A1, B1]), k=5, seed=0)
    assert clusters.k == 2


def test_bag_of_clusters_counts_normalises_and_ignores_missing():
    bags = bag_of_clusters(
        text_clusters=np.array([0, 0, 2, NO_CLUSTER, 1]),
        owners=np.array([0, 0, 0, 1, 2]),
        n_owners=4,
        k=3,
    )
    np.testing.assert_allclose(bags[0], [2 / 3, 0, 1 / 3])
    np.testing.assert_array_equal(bags[1], [0, 0, 0])  # its only text has no cluster
    np.testing.assert_array_equal(bags[2], [0, 1, 0])
    np.testing.assert_array_equal(bags[3], [0, 0, 0])  # no texts
    assert bags.dtype == np.float32
    with pytest.raises(ValueError):
        bag_of_clusters(np.array([3]), np.array([0]), n_owners=1, k=3)


def test_user_bags_from_own_and_followee_profiles_by_hand():
    # profile texts: user 0 wrote two "A" phrases, user 1 one "B" phrase, users 2 and 3 nothing
    embeddings = np.array([A1, A2, B1])
    writers = np.array([0, 0, 1])
    clusters = fit_semantic_clusters(embeddings, k=2, seed=0)
    labels = clusters.assign(embeddings)
    a, b = labels[0], labels[2]
    # 0 follows 1 (twice: counted once); 2 follows 0 and 1; 1 follows itself (ignored)
    bags = user_cluster_bags(
        labels,
        writers,
        n_users=4,
        follow_source=np.array([0, 0, 2, 2, 1]),
        follow_target=np.array([1, 1, 0, 1, 1]),
        k=2,
    )
    expected = np.zeros((4, 2))
    expected[0, [a, b]] = [2 / 3, 1 / 3]  # own A, A + followee 1's B
    expected[1, b] = 1.0  # own B only
    expected[2, [a, b]] = [2 / 3, 1 / 3]  # followee 0's A, A + followee 1's B
    np.testing.assert_allclose(bags, expected)  # user 3: nothing, zero row


def test_user_bags_without_follow_edges():
    bags = user_cluster_bags(
        np.array([1, 0]),
        np.array([1, 0]),
        n_users=2,
        follow_source=np.array([], dtype=np.int64),
        follow_target=np.array([], dtype=np.int64),
        k=2,
    )
    np.testing.assert_array_equal(bags, [[1, 0], [0, 1]])
