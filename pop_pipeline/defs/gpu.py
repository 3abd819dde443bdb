"""GPU steps on Kubernetes: the ``dagster-k8s/config`` op tags of the ``pool="gpu"`` assets.

With ``POP_EXECUTOR=k8s`` (:mod:`pop_pipeline.definitions`) each step runs in its own pod, and
``dagster_k8s.k8s_job_executor`` reads this tag to shape the step's pod: one
``nvidia.com/gpu`` (the NVIDIA device plugin's resource), scheduled only on nodes labelled
``nvidia.com/gpu.present=true`` (the label NVIDIA's GPU feature discovery / GPU operator puts on
GPU nodes), tolerating the ``nvidia.com/gpu`` taint that managed clusters put on GPU node pools.
Other executors ignore the tag. docs/KUBERNETES.md says how to adapt the selector to a cluster
that labels its GPU nodes differently (edit it here: this is the only copy).
"""

import json

GPU_RESOURCE = "nvidia.com/gpu"  # the extended resource NVIDIA's device plugin advertises
GPU_NODE_SELECTOR = {"nvidia.com/gpu.present": "true"}
GPU_TOLERATIONS = [{"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}]

K8S_CONFIG_TAG = "dagster-k8s/config"  # the tag dagster-k8s reads per step

GPU_K8S_CONFIG = {
    "container_config": {
        "resources": {"requests": {GPU_RESOURCE: "1"}, "limits": {GPU_RESOURCE: "1"}},
    },
    "pod_spec_config": {
        "node_selector": GPU_NODE_SELECTOR,
        "tolerations": GPU_TOLERATIONS,
    },
}

# Tag values are strings; dagster-k8s parses this one back with json.loads.
GPU_OP_TAGS = {K8S_CONFIG_TAG: json.dumps(GPU_K8S_CONFIG, sort_keys=True)}
