"""The raw assets read a world from an S3 endpoint exactly as from a directory."""

import dagster as dg
import pandas as pd

from pop_pipeline.defs.resources import DuckDBResource, RawDataResource
from pop_pipeline.pipeline_run import run_pipeline
from pop_pipeline.storage.duckdb_store import DuckDBStore
from pop_pipeline.world.oracle import WorldOracle
from pop_pipeline_tests.servers.s3 import s3_endpoint, upload_tree


def _raw_tables(store: DuckDBStore) -> dict[str, pd.DataFrame]:
    return {
        name: store.table(name)
        for name in ("raw_users", "raw_tweets", "raw_retweets", "raw_replies", "raw_follows")
    }


def test_raw_group_from_s3_matches_the_local_directory(tiny_world, tmp_path, monkeypatch):
    local = DuckDBStore(tmp_path / "local.duckdb")
    result = run_pipeline(
        selection="group:raw",
        instance=dg.DagsterInstance.ephemeral(),
        resources={
            "duckdb": DuckDBResource(path=str(local.path)),
            "raw_data": RawDataResource(uri=str(tiny_world)),
        },
    )
    assert result.success
    with s3_endpoint(monkeypatch) as url:
        upload_tree(url, tiny_world, "raw", "drops/tiny")
        remote = DuckDBStore(tmp_path / "remote.duckdb")
        raw_data = RawDataResource(uri="s3://raw/drops/tiny")
        result = run_pipeline(
            selection="group:raw",
            instance=dg.DagsterInstance.ephemeral(),
            resources={"duckdb": DuckDBResource(path=str(remote.path)), "raw_data": raw_data},
        )
        assert result.success
        oracle_dir = raw_data.oracle_dir(str(tmp_path / "cache"))
    # the oracle folder came down from S3 and answers like the local one
    users = list(local.table("raw_users")["user_id"][:5])
    tweets = list(local.table("raw_tweets")["tweet_id"][:5])
    expected = WorldOracle.load(tiny_world / "oracle").retweet_probability(users, tweets)
    assert oracle_dir is not None
    fetched = WorldOracle.load(oracle_dir).retweet_probability(users, tweets)
    assert list(fetched) == list(expected)
    for name, frame in _raw_tables(local).items():
        pd.testing.assert_frame_equal(frame, _raw_tables(remote)[name])
    media = remote.table("raw_media")
    assert media["uri"].str.startswith("s3://raw/drops/tiny/media/").all()
    assert len(media) == len(local.table("raw_media"))
