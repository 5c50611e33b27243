"""An S3-compatible HTTP endpoint on localhost for the store tests: moto's server mode in a thread.

The server speaks the S3 REST protocol over real HTTP on 127.0.0.1 (an OS-chosen port), so s3fs, aiobotocore and
zarr's FsspecStore go through the same code paths as against AWS or MinIO; only the credentials are dummies.
``moto[server]`` and ``s3fs`` are optional test dependencies: the fixtures skip the tests that need them when they
are not installed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

BUCKET_REGION = "us-east-1"


@dataclass(frozen=True)
class S3Endpoint:
    """Where the test server listens, and the fsspec options that reach it."""

    endpoint_url: str

    @property
    def storage_options(self) -> dict:
        # skip_instance_cache: a fresh s3fs instance per open, so no listing cached by one writer or reader hides
        # what another wrote (as separate processes on separate nodes would see it).
        return {"key": "testing", "secret": "testing", "endpoint_url": self.endpoint_url,
                "client_kwargs": {"region_name": BUCKET_REGION}, "skip_instance_cache": True}

    def filesystem(self):
        import s3fs

        return s3fs.S3FileSystem(**self.storage_options)

    def new_bucket(self) -> str:
        """Create an empty bucket with a unique name and return it."""
        name = f"provenance-{uuid.uuid4().hex[:12]}"
        import boto3

        boto3.client("s3", endpoint_url=self.endpoint_url, aws_access_key_id="testing",
                     aws_secret_access_key="testing", region_name=BUCKET_REGION).create_bucket(Bucket=name)
        return name


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory) -> Iterator[S3Endpoint]:
    """A moto S3 server on 127.0.0.1 for the whole session (skips when moto[server] or s3fs is missing)."""
    pytest.importorskip("s3fs")
    server_mod = pytest.importorskip("moto.server", reason="the S3 tests need moto[server]")
    pytest.importorskip("flask", reason="the S3 tests need moto[server] (flask)")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one INFO line per HTTP request otherwise
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Endpoint(f"http://{host}:{port}")
    finally:
        server.stop()


@pytest.fixture
def s3_url(s3_endpoint: S3Endpoint) -> str:
    """URL of a store in a fresh, empty bucket of the test server."""
    return f"s3://{s3_endpoint.new_bucket()}/store.zarr"
