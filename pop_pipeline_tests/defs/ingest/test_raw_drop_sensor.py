"""`raw_drop_sensor` requests one ingest-and-retrain run per new manifest, on the newest drop."""

import json

import dagster as dg

from pop_pipeline.defs.resources import RawDataResource
from pop_pipeline.defs.schedules.sensors import RAW_DROP_TAG, raw_drop_sensor


def _evaluate(root, cursor=None):
    context = dg.build_sensor_context(
        cursor=cursor, resources={"raw_data": RawDataResource(uri=str(root))}
    )
    return raw_drop_sensor.evaluate_tick(context)


def _write_manifest(folder, payload):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps(payload))


def test_new_drop_requests_one_run_then_nothing_until_the_next(tmp_path, monkeypatch):
    monkeypatch.delenv("POP_RAW_DROPS_URI", raising=False)
    empty = _evaluate(tmp_path)
    assert empty.run_requests == [] and "no new manifest.json" in empty.skip_message

    _write_manifest(tmp_path / "2026-11-23", {"seed": 1})
    first = _evaluate(tmp_path)
    (request,) = first.run_requests
    drop = str(tmp_path / "2026-11-23")
    assert raw_drop_sensor.job_name == "ingest_and_retrain"
    assert request.run_config == {"resources": {"raw_data": {"config": {"uri": drop}}}}
    assert request.tags[RAW_DROP_TAG] == drop
    assert request.run_key.startswith(drop + "@")

    again = _evaluate(tmp_path, cursor=first.cursor)
    assert again.run_requests == []

    _write_manifest(tmp_path / "2026-11-24", {"seed": 2})
    _write_manifest(tmp_path / "2026-11-25", {"seed": 3})
    newer = _evaluate(tmp_path, cursor=first.cursor)
    (request,) = newer.run_requests  # two new snapshots: only the newest is ingested
    assert request.tags[RAW_DROP_TAG] == str(tmp_path / "2026-11-25")
    assert len(json.loads(newer.cursor)) == 3


def test_drops_uri_variable_overrides_the_raw_resource(tmp_path, monkeypatch):
    _write_manifest(tmp_path / "drops" / "d1", {"seed": 1})
    monkeypatch.setenv("POP_RAW_DROPS_URI", str(tmp_path / "drops"))
    result = _evaluate(tmp_path / "elsewhere")
    assert [r.tags[RAW_DROP_TAG] for r in result.run_requests] == [str(tmp_path / "drops" / "d1")]


def test_sensor_and_its_job_are_in_the_definitions():
    from pop_pipeline.definitions import defs

    loaded = defs()
    sensor = loaded.get_sensor_def("raw_drop_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    job = loaded.resolve_job_def("ingest_and_retrain")
    keys = {key.to_user_string() for key in job.asset_layer.executable_asset_keys}
    assert {"raw_tweets", "image_tweets", "amnl_model", "ranking_metrics"} <= keys
