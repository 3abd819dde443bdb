import pandas as pd

from pop_pipeline.ingest.raw_source import S3RawSource, open_raw_source
from pop_pipeline.ingest.reader import read_raw_batch
from pop_pipeline_tests.ingest.raw_drop import write_drop
from pop_pipeline_tests.servers.s3 import s3_endpoint, upload_tree


def test_s3_drop_reads_like_the_local_one(tmp_path, monkeypatch):
    root = write_drop(tmp_path / "drop")
    local = read_raw_batch(open_raw_source(str(root)))
    with s3_endpoint(monkeypatch) as url:
        upload_tree(url, root, "raw", "drops/2026-02-01")
        source = open_raw_source("s3://raw/drops/2026-02-01/")
        assert isinstance(source, S3RawSource)
        remote = read_raw_batch(source)
    for name, frame in local.tables.items():
        columns = [c for c in frame.columns if c != "uri"]
        pd.testing.assert_frame_equal(frame[columns], remote.tables[name][columns])
    assert remote.tables["media"]["uri"].str.startswith("s3://raw/drops/2026-02-01/media/").all()
    assert list(remote.quarantine["reason"]) == list(local.quarantine["reason"])
    assert set(remote.files["status"]) == set(local.files["status"])
