"""A raw drop commits whole or not at all: one that fails its blocking checks, or a run killed
while publishing, leaves the previous raw tables exactly as they were."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from pop_pipeline.cli import _print_run_summary
from pop_pipeline.defs.ingest.assets import RAW_ASSET_NAMES, RAW_STAGING_SCHEMA
from pop_pipeline.defs.resources import DuckDBResource, RawDataResource
from pop_pipeline.pipeline_run import run_pipeline
from pop_pipeline.quality.failure_lines import FAILED_EXPECTATIONS_KEY
from pop_pipeline.storage.duckdb_store import DuckDBStore
from pop_pipeline_tests.pop_cli import run_pop_cli

Edit = Callable[[list[dict]], None]


def _edited_world(source: Path, target: Path, edits: dict[str, Edit]) -> Path:
    """Copy a world and edit some of its JSON Lines files (manifest kept consistent)."""
    shutil.copytree(source, target)
    manifest = json.loads((target / "manifest.json").read_text())
    for name, edit in edits.items():
        records = [json.loads(line) for line in (target / name).read_text().splitlines()]
        edit(records)
        data = ("\n".join(json.dumps(record) for record in records) + "\n").encode()
        (target / name).write_bytes(data)
        manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


def _break_tweets(tweets: list[dict]) -> None:
    tweets[0]["created_at"] = "2099-01-01T00:00:00.000Z"  # after the collection time
    tweets[1]["public_metrics"]["like_count"] = -3


def _break_users(users: list[dict]) -> None:
    users[0]["public_metrics"]["followers_count"] = -1


def _more_likes(tweets: list[dict]) -> None:
    tweets[0]["public_metrics"]["like_count"] += 1000


@pytest.fixture(scope="module")
def drops(tiny_world, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("drops")
    return {
        "good": tiny_world,
        "bad": _edited_world(
            tiny_world, root / "bad", {"tweets.jsonl": _break_tweets, "users.jsonl": _break_users}
        ),
        "newer": _edited_world(tiny_world, root / "newer", {"tweets.jsonl": _more_likes}),
    }


def _ingest(
    store: DuckDBStore, drop: Path, instance: dg.DagsterInstance
) -> dg.ExecuteInProcessResult:
    return run_pipeline(
        selection="group:raw",
        instance=instance,
        resources={
            "duckdb": DuckDBResource(path=str(store.path)),
            "raw_data": RawDataResource(uri=str(drop)),
        },
    )


def _raw_tables(store: DuckDBStore) -> dict[str, pd.DataFrame]:
    return {name: store.table(name) for name in RAW_ASSET_NAMES}


def _assert_same_tables(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    assert left.keys() == right.keys()
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], obj=name)


def _schemas(store: DuckDBStore) -> set[str]:
    return set(store.query("SELECT schema_name FROM information_schema.schemata")["schema_name"])


def _failure_message(result: dg.ExecuteInProcessResult) -> str:
    [failure] = [event for event in result.all_events if event.is_step_failure]
    return failure.step_failure_data.error.message


@pytest.fixture(scope="module")
def history(drops, tmp_path_factory):
    """A good drop, then a bad one, on one store and one instance."""
    store = DuckDBStore(tmp_path_factory.mktemp("commit") / "pop.duckdb")
    instance = dg.DagsterInstance.ephemeral()
    good = _ingest(store, drops["good"], instance)
    assert good.success
    before = _raw_tables(store)
    bad = _ingest(store, drops["bad"], instance)
    return {"store": store, "instance": instance, "before": before, "bad": bad}


def test_a_failing_drop_leaves_every_raw_table_as_it_was(history):
    assert not history["bad"].success
    _assert_same_tables(_raw_tables(history["store"]), history["before"])
    assert RAW_STAGING_SCHEMA not in _schemas(history["store"])
    materialized = history["bad"].get_asset_materialization_events()
    assert materialized == []  # nothing claims a new version of the raw tables


def test_the_failure_says_the_drop_was_not_committed(history, drops):
    message = _failure_message(history["bad"])
    assert f"The raw drop {drops['bad']} was NOT committed" in message
    assert "previous raw tables were kept" in message
    assert "raw_tweets_are_valid: expect_column_values_to_be_between(created_at)" in message
    assert "raw_users_are_valid: expect_column_values_to_be_between(followers_count)" in message


def test_the_failed_checks_are_recorded_with_their_expectations(history):
    evaluations = {e.check_name: e for e in history["bad"].get_asset_check_evaluations()}
    assert {name: e.passed for name, e in evaluations.items()} == {
        "raw_tweets_are_valid": False,
        "raw_users_are_valid": False,
    }
    tweets = evaluations["raw_tweets_are_valid"]
    assert tweets.metadata["committed"].value is False
    failed = {
        (item["column"], tuple(item["example_ids"]))
        for item in tweets.metadata[FAILED_EXPECTATIONS_KEY].value
    }
    tweet_ids = list(history["before"]["raw_tweets"]["tweet_id"][:2])
    assert failed == {("created_at", (tweet_ids[0],)), ("like_count", (tweet_ids[1],))}
    # what the UI's asset-check tab reads: this run's execution of the check, failed
    key = dg.AssetCheckKey(dg.AssetKey("raw_tweets"), "raw_tweets_are_valid")
    [latest] = history["instance"].event_log_storage.get_asset_check_execution_history(key, 1)
    assert latest.run_id == history["bad"].run_id
    assert latest.status.value == "FAILED"
    assert FAILED_EXPECTATIONS_KEY in latest.event.asset_check_evaluation.metadata


def test_the_run_summary_lists_each_failed_expectation_with_count_and_ids(history, capsys):
    _print_run_summary(history["bad"])
    out = capsys.readouterr().out
    first_tweet = history["before"]["raw_tweets"]["tweet_id"].iloc[0]
    first_user = history["before"]["raw_users"]["user_id"].iloc[0]
    share = 100 / len(history["before"]["raw_tweets"])
    assert "check raw_tweets_are_valid on raw_tweets: FAILED" in out
    assert (
        f"    - expect_column_values_to_be_between(created_at): 1 unexpected "
        f"({share:.3g} %), e.g. tweet_id {first_tweet}\n"
    ) in out
    assert "(followers_count): 1 unexpected" in out and f"e.g. user_id {first_user}\n" in out
    assert "step raw_tables failed: The raw drop" in out and "NOT committed" in out


def test_a_good_drop_then_replaces_them_and_reingesting_is_identical(history, drops, tmp_path):
    store, instance = history["store"], history["instance"]
    assert _ingest(store, drops["newer"], instance).success
    reference = DuckDBStore(tmp_path / "reference.duckdb")
    assert _ingest(reference, drops["newer"], dg.DagsterInstance.ephemeral()).success
    _assert_same_tables(_raw_tables(store), _raw_tables(reference))
    assert not _raw_tables(store)["raw_tweets"].equals(history["before"]["raw_tweets"])
    assert _ingest(store, drops["good"], instance).success
    _assert_same_tables(_raw_tables(store), history["before"])


KILL_WHILE_PUBLISHING = """
import os, signal, sys
from pathlib import Path

import dagster as dg

from pop_pipeline.defs.resources import DuckDBResource, RawDataResource
from pop_pipeline.pipeline_run import run_pipeline
from pop_pipeline.storage import staging

database, drop, marker = sys.argv[1:4]


class KilledBeforeCommit:
    # the real connection, but the process dies inside the publishing transaction, after every
    # table was replaced and just before the staging schema is dropped and the commit
    def __init__(self, connection):
        self._connection, self._publishing = connection, False

    def execute(self, sql, *args):
        self._publishing |= sql == "BEGIN TRANSACTION"
        if self._publishing and sql.startswith("DROP SCHEMA"):
            Path(marker).write_text("killed inside the transaction")
            os.kill(os.getpid(), signal.SIGKILL)
        return self._connection.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._connection, name)


original_init = staging.StagingSchema.__init__
staging.StagingSchema.__init__ = lambda self, connection, schema: original_init(
    self, KilledBeforeCommit(connection), schema
)
run_pipeline(
    selection="group:raw",
    instance=dg.DagsterInstance.ephemeral(),
    resources={"duckdb": DuckDBResource(path=database), "raw_data": RawDataResource(uri=drop)},
)
"""


def test_a_run_killed_while_publishing_leaves_the_old_tables_and_the_next_run_works(
    drops, tmp_path
):
    store = DuckDBStore(tmp_path / "pop.duckdb")
    instance = dg.DagsterInstance.ephemeral()
    assert _ingest(store, drops["good"], instance).success
    before = _raw_tables(store)
    script = tmp_path / "kill_while_publishing.py"
    script.write_text(KILL_WHILE_PUBLISHING)
    marker = tmp_path / "killed"
    killed = subprocess.run(
        [sys.executable, str(script), str(store.path), str(drops["newer"]), str(marker)],
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ.copy(),
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert marker.exists()
    _assert_same_tables(_raw_tables(store), before)  # not one table of the newer drop
    assert RAW_STAGING_SCHEMA in _schemas(store)  # the killed run's staged tables are left over
    assert _ingest(store, drops["newer"], instance).success
    reference = DuckDBStore(tmp_path / "reference.duckdb")
    assert _ingest(reference, drops["newer"], dg.DagsterInstance.ephemeral()).success
    _assert_same_tables(_raw_tables(store), _raw_tables(reference))
    assert RAW_STAGING_SCHEMA not in _schemas(store)


def test_pop_run_prints_the_failed_expectations_of_a_bad_drop(drops, tmp_path):
    result = run_pop_cli(
        "run",
        "--raw",
        str(drops["bad"]),
        "--select",
        "group:raw",
        env={"POP_HOME": str(tmp_path / "home"), "DAGSTER_HOME": str(tmp_path / "dagster")},
    )
    assert result.returncode == 1, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    failed = [line.strip() for line in lines if line.strip().startswith("- expect_")]
    assert len(failed) == 3, result.stdout
    assert all(" unexpected (" in line and ", e.g. " in line for line in failed)
    assert any("(created_at)" in line and "tweet_id " in line for line in failed)
    assert any("(followers_count)" in line and "user_id " in line for line in failed)
    assert any("NOT committed" in line for line in lines if line.startswith("  step raw_tables"))
    assert not DuckDBStore(tmp_path / "home" / "pop.duckdb").has_table("raw_tweets")
