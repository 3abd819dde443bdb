"""Feature shards: the index DuckDB keeps, round trips by tweet id, stale-index detection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pop_pipeline.ml.clip.feature_files import (
    read_feature_shard,
    read_features,
    write_feature_shards,
)

TWEETS = ["105", "101", "109", "103", "107"]


def tensors() -> dict[str, np.ndarray]:
    patches = np.arange(5 * 4 * 3, dtype=np.float32).reshape(5, 4, 3)
    sentences = (np.arange(5 * 2 * 3).reshape(5, 2, 3) / 10).astype(np.float16)
    return {"patches": patches, "sentences": sentences}


def test_index_lists_shard_and_row_of_every_tweet(tmp_path):
    index = write_feature_shards(tmp_path / "f", TWEETS, tensors(), rows_per_shard=2)

    shards = [str(tmp_path / "f" / f"features-0000{n}.safetensors") for n in (0, 0, 1, 1, 2)]
    expected = pd.DataFrame({"tweet_id": TWEETS, "shard_path": shards, "row": [0, 1, 0, 1, 0]})
    pd.testing.assert_frame_equal(index, expected, check_dtype=False)
    assert index["row"].dtype == np.int64
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == [
        "features-00000.safetensors",
        "features-00001.safetensors",
        "features-00002.safetensors",
    ]


def test_round_trip_by_tweet_id_in_any_order_with_repeats(tmp_path):
    data = tensors()
    index = write_feature_shards(tmp_path, TWEETS, data, rows_per_shard=2)

    wanted = ["107", "101", "107", "105", "103"]
    read = read_features(index, wanted)

    rows = [TWEETS.index(tweet) for tweet in wanted]
    assert set(read) == {"patches", "sentences"}
    np.testing.assert_array_equal(read["patches"], data["patches"][rows])
    np.testing.assert_array_equal(read["sentences"], data["sentences"][rows])
    assert read["sentences"].dtype == np.float16
    only = read_features(index, ["109"], names=["patches"])
    assert list(only) == ["patches"]
    np.testing.assert_array_equal(only["patches"], data["patches"][[2]])


def test_shard_holds_its_tweet_ids_and_metadata(tmp_path):
    index = write_feature_shards(
        tmp_path, TWEETS, tensors(), rows_per_shard=3, metadata={"architecture": "pop-clip-tiny"}
    )

    shard = read_feature_shard(index["shard_path"].iloc[3])
    assert shard.tweet_ids == ["103", "107"]
    assert shard.metadata == {"architecture": "pop-clip-tiny"}
    np.testing.assert_array_equal(shard.tensors["patches"], tensors()["patches"][3:])


def test_relative_paths_resolve_against_a_root(tmp_path):
    root = tmp_path / "data_root"
    index = write_feature_shards(root / "amnl_plus", TWEETS, tensors(), relative_to=root)

    assert set(index["shard_path"]) == {str(Path("amnl_plus") / "features-00000.safetensors")}
    read = read_features(index, ["103"], root=root)
    np.testing.assert_array_equal(read["patches"], tensors()["patches"][[3]])


def test_rewriting_removes_old_shards_and_a_stale_index_fails(tmp_path):
    old_index = write_feature_shards(tmp_path, TWEETS, tensors(), rows_per_shard=2)
    new_order = TWEETS[::-1]
    new_index = write_feature_shards(
        tmp_path, new_order, {"patches": tensors()["patches"][::-1]}, rows_per_shard=4
    )

    assert len(list(tmp_path.glob("features-*.safetensors"))) == 2
    np.testing.assert_array_equal(
        read_features(new_index, ["101"])["patches"], tensors()["patches"][[1]]
    )
    with pytest.raises(ValueError, match="does not match"):
        read_features(old_index, ["105"])  # row 0 of shard 0 is now tweet 107


def test_errors(tmp_path):
    index = write_feature_shards(tmp_path, TWEETS, tensors())
    with pytest.raises(KeyError):
        read_features(index, ["999"])
    with pytest.raises(ValueError, match="distinct"):
        write_feature_shards(tmp_path, ["1", "1"], {"x": np.zeros((2, 1))})
    with pytest.raises(ValueError, match="rows"):
        write_feature_shards(tmp_path, ["1", "2"], {"x": np.zeros((3, 1))})
    with pytest.raises(ValueError, match="reserved"):
        write_feature_shards(tmp_path, ["1"], {"x": np.zeros((1, 1))}, metadata={"tweet_ids": ""})


def test_empty_request_keeps_trailing_shapes(tmp_path):
    index = write_feature_shards(tmp_path, TWEETS, tensors())
    empty = read_features(index, [])
    assert empty["patches"].shape == (0, 4, 3)
    assert empty["sentences"].dtype == np.float16
