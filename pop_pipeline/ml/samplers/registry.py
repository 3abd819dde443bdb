"""Every negative sampler by name, so an asset's config can pick one with a string."""

from __future__ import annotations

from pop_pipeline.ml.samplers.base import NegativeSampler, ParamValue
from pop_pipeline.ml.samplers.followee_negatives import FolloweeNegativeSampler
from pop_pipeline.ml.samplers.time_aware_negatives import TimeAwareNegativeSampler
from pop_pipeline.ml.samplers.uniform_negatives import UniformNegativeSampler

NEGATIVE_SAMPLERS: dict[str, type[NegativeSampler]] = {
    sampler.name: sampler
    for sampler in (FolloweeNegativeSampler, TimeAwareNegativeSampler, UniformNegativeSampler)
}


def negative_sampler(name: str, *, seed: int, **params: ParamValue | None) -> NegativeSampler:
    """The sampler called ``name`` (``followee``, ``time_aware``, ``uniform``) with ``params``."""
    try:
        sampler = NEGATIVE_SAMPLERS[name]
    except KeyError:
        raise KeyError(
            f"unknown negative sampler {name!r}; known: {sorted(NEGATIVE_SAMPLERS)}"
        ) from None
    return sampler(seed=seed, **params)  # type: ignore[call-arg]
