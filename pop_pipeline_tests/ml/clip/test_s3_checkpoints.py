"""Checkpoints and images on S3, against moto's server mode started by the test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError

from pop_pipeline.io import s3
from pop_pipeline.ml.clip import IN_DOMAIN_MODEL, create_clip, encode_images, save_checkpoint
from pop_pipeline_tests.servers.s3 import s3_endpoint as moto_s3_endpoint

BUCKET = "pop-models"


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with moto_s3_endpoint(monkeypatch) as endpoint:
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
            Bucket=BUCKET
        )
        yield endpoint


def test_checkpoint_loads_from_s3_and_is_cached(s3_endpoint, bundle, image_files, monkeypatch):
    uri = f"s3://{BUCKET}/clip/pop-clip-tiny/model.safetensors"
    save_checkpoint(bundle, uri)

    loaded = create_clip(IN_DOMAIN_MODEL, uri)

    assert loaded.identity().weights_sha256 == bundle.identity().weights_sha256
    assert loaded.pretrained == uri
    np.testing.assert_array_equal(
        encode_images(loaded, image_files).embeddings,
        encode_images(bundle, image_files).embeddings,
    )
    cache = Path(os.environ["POP_HOME"]) / "cache" / "clip_checkpoints"
    assert (cache / BUCKET / "clip" / "pop-clip-tiny" / "model.safetensors").is_file()

    def no_download(*args, **kwargs):
        raise AssertionError("the cached checkpoint should have been reused")

    monkeypatch.setattr(s3, "download_file", no_download)
    again = create_clip(IN_DOMAIN_MODEL, uri)
    assert again.identity().weights_sha256 == bundle.identity().weights_sha256


def test_missing_s3_checkpoint_fails(s3_endpoint):
    with pytest.raises(ClientError):
        create_clip(IN_DOMAIN_MODEL, f"s3://{BUCKET}/absent.safetensors")


def test_images_encode_from_s3(s3_endpoint, bundle, image_files):
    uris = []
    for index, path in enumerate(image_files[:3]):
        location = s3.S3Location(BUCKET, f"media/{index}.jpg")
        s3.upload_file(path, location)
        uris.append(location.uri)
    uris.append(f"s3://{BUCKET}/media/absent.jpg")

    encoded = encode_images(bundle, uris)

    assert encoded.failed == [(3, "media_missing")]
    local = encode_images(bundle, image_files[:3]).embeddings
    np.testing.assert_array_equal(encoded.embeddings[:3], local)
