"""The Kubernetes configuration (docs/KUBERNETES.md): ``POP_EXECUTOR=k8s`` and the GPU op tags."""

import json
import os
import subprocess
import sys

import dagster as dg
import pytest
from dagster_k8s import k8s_job_executor
from dagster_k8s.job import (
    DagsterK8sJobConfig,
    construct_dagster_k8s_job,
    get_user_defined_k8s_config,
)

from pop_pipeline.definitions import defs
from pop_pipeline.defs.gpu import GPU_OP_TAGS, K8S_CONFIG_TAG

# The embedding and PyTorch training steps (the pool has more members as models are added).
KNOWN_GPU_ASSETS = {"clip_encoder", "tweet_embeddings", "amnl_model", "bpr_model"}


def _ops_by_asset(loaded: dg.Definitions) -> dict[str, dg.OpDefinition]:
    ops = {}
    for assets_def in loaded.assets:
        if isinstance(assets_def, dg.AssetsDefinition):
            for key in assets_def.keys:
                ops[key.to_user_string()] = assets_def.op
    return ops


def test_k8s_executor_is_the_default_with_pop_executor_k8s(monkeypatch):
    monkeypatch.setenv("POP_EXECUTOR", "k8s")
    loaded = defs()
    assert loaded.executor is k8s_job_executor
    job = loaded.resolve_job_def("nightly_retraining")
    assert job.executor_def.name == "k8s"


def test_in_process_executor_without_pop_executor(monkeypatch):
    """The local executors are Dagster's, wrapped to hold the run lease (crash recovery)."""
    monkeypatch.delenv("POP_EXECUTOR", raising=False)
    executor = defs().executor
    assert executor.name == dg.in_process_executor.name
    assert executor.config_schema is dg.in_process_executor.config_schema
    monkeypatch.setenv("POP_EXECUTOR", "multiprocess")
    executor = defs().executor
    assert executor.name == dg.multiprocess_executor.name
    assert executor.config_schema is dg.multiprocess_executor.config_schema


def test_unknown_pop_executor_fails_loudly(monkeypatch):
    monkeypatch.setenv("POP_EXECUTOR", "celery")
    with pytest.raises(ValueError, match="POP_EXECUTOR"):
        defs()


def test_exactly_the_gpu_pool_assets_carry_the_gpu_tags(monkeypatch):
    monkeypatch.setenv("POP_EXECUTOR", "k8s")
    ops = _ops_by_asset(defs())
    gpu = {name for name, op in ops.items() if op.pool == "gpu"}
    tagged = {name for name, op in ops.items() if K8S_CONFIG_TAG in op.tags}
    assert gpu >= KNOWN_GPU_ASSETS
    assert "popularity_model" not in gpu and "raw_tweets" not in gpu
    assert tagged == gpu
    for name in gpu:
        assert json.loads(ops[name].tags[K8S_CONFIG_TAG]) == json.loads(GPU_OP_TAGS[K8S_CONFIG_TAG])


def test_gpu_tags_build_a_pod_on_a_gpu_node_with_one_gpu():
    """dagster-k8s accepts the tag and turns it into the step's Job as intended."""
    user_config = get_user_defined_k8s_config(GPU_OP_TAGS)
    job = construct_dagster_k8s_job(
        DagsterK8sJobConfig(job_image="pop_pipeline:test", dagster_home="/opt/dagster/home"),
        ["dagster", "api", "execute_step"],
        "dagster-step-test",
        user_config,
    )
    pod = job.spec.template.spec
    assert pod.node_selector == {"nvidia.com/gpu.present": "true"}
    assert [(t.key, t.operator, t.effect) for t in pod.tolerations] == [
        ("nvidia.com/gpu", "Exists", "NoSchedule")
    ]
    assert pod.containers[0].resources.limits == {"nvidia.com/gpu": "1"}


def test_dagster_cli_validates_the_code_location_with_the_k8s_executor(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "POP_EXECUTOR": "k8s"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dagster",
            "definitions",
            "validate",
            "-m",
            "pop_pipeline.definitions",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
