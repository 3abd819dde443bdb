"""Create S3 buckets if they do not exist yet: the `minio-init` job of docker/docker-compose.yml.

Usage: ``python docker/create_buckets.py BUCKET [BUCKET ...]``. The endpoint and credentials are
the project's (``POP_S3_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_DEFAULT_REGION``: :func:`pop_pipeline.io.s3.s3_client`). Running it again changes nothing,
so the job can run on every ``docker compose up``. Exits non-zero when a bucket cannot be
created (wrong credentials, endpoint down after the retries), which stops the services that
depend on it.
"""

import sys
import time

from botocore.exceptions import ClientError, EndpointConnectionError

from pop_pipeline.io.s3 import s3_client

ATTEMPTS = 10  # the endpoint may still be starting: retry the first call, 2 s apart


def bucket_exists(client, bucket: str) -> bool:
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket"):
            return False
        raise
    return True


def _location(region: str | None) -> dict:
    """S3 wants a LocationConstraint everywhere but in us-east-1 (MinIO accepts either)."""
    if not region or region == "us-east-1":
        return {}
    return {"CreateBucketConfiguration": {"LocationConstraint": region}}


def ensure_buckets(buckets: list[str]) -> list[str]:
    """Create every missing bucket; return the ones created."""
    client = s3_client()
    for attempt in range(ATTEMPTS):
        try:
            client.list_buckets()
            break
        except EndpointConnectionError:
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(2)
    created = []
    for bucket in buckets:
        if not bucket_exists(client, bucket):
            client.create_bucket(Bucket=bucket, **_location(client.meta.region_name))
            created.append(bucket)
    return created


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    created = set(ensure_buckets(argv))
    for bucket in argv:
        print(f"s3://{bucket}: {'created' if bucket in created else 'already there'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
