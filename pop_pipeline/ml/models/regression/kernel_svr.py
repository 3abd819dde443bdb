"""A fitted ε-SVR (with its feature standardisation) as plain arrays.

scikit-learn fits it (``StandardScaler`` then libsvm's ``SVR``); :meth:`KernelSVR.from_fit`
keeps only what prediction reads — the training means and scales, the support vectors, their
dual coefficients, the intercept and the kernel parameters — so a saved model is arrays and
JSON (:meth:`state`, :meth:`from_state`) and loading it never unpickles anything. Prediction
is libsvm's decision function, ``f(x) = Σᵢ αᵢ K(sᵢ, z) + b`` on ``z = (x − μ) / σ``, with
``K(s, z) = exp(−γ‖s − z‖²)`` (``rbf``, expanded as libsvm does) or ``s·z`` (``linear``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

KERNELS = ("rbf", "linear")
PREDICT_BATCH = 512  # rows whose kernel row block is computed at once


def scale_gamma(standardised: np.ndarray) -> float:
    """scikit-learn's ``gamma="scale"``: ``1 / (n_features · Var(X))``, 1 when ``Var(X) = 0``."""
    variance = float(standardised.var())
    return 1.0 / (standardised.shape[1] * variance) if variance != 0 else 1.0


@dataclass(frozen=True)
class KernelSVR:
    """A fitted SVR on standardised features; see the module docstring."""

    kernel: Literal["rbf", "linear"]
    gamma: float  # RBF width (unused by ``linear``)
    mean: np.ndarray  # [d] training mean of each feature
    scale: np.ndarray  # [d] training standard deviation (1 where it is 0)
    support_vectors: np.ndarray  # [m, d] standardised support vectors
    dual_coef: np.ndarray  # [m] their dual coefficients αᵢ
    intercept: float  # b

    @classmethod
    def fit(
        cls,
        features: npt.ArrayLike,
        targets: npt.ArrayLike,
        *,
        kernel: Literal["rbf", "linear"],
        c: float,
        epsilon: float,
    ) -> KernelSVR:
        """Standardise ``features`` on themselves and fit libsvm's ε-SVR."""
        x = np.asarray(features, dtype=np.float64)
        scaler = StandardScaler().fit(x)
        standardised = scaler.transform(x)
        svr = SVR(kernel=kernel, C=c, epsilon=epsilon, gamma=scale_gamma(standardised))
        return cls.from_fit(scaler, svr.fit(standardised, np.asarray(targets, np.float64)))

    @classmethod
    def from_fit(cls, scaler: StandardScaler, svr: SVR) -> KernelSVR:
        """The arrays of a fitted scaler and SVR (``svr.gamma`` a number)."""
        if svr.kernel not in KERNELS:
            raise ValueError(f"unsupported SVR kernel {svr.kernel!r}; known: {KERNELS}")
        return cls(
            kernel=svr.kernel,
            gamma=float(svr.gamma),
            mean=np.asarray(scaler.mean_, dtype=np.float64),
            scale=np.asarray(scaler.scale_, dtype=np.float64),
            support_vectors=np.asarray(svr.support_vectors_, dtype=np.float64),
            dual_coef=np.asarray(svr.dual_coef_, dtype=np.float64).reshape(-1),
            intercept=float(np.asarray(svr.intercept_).reshape(-1)[0]),
        )

    def predict(self, features: npt.ArrayLike) -> np.ndarray:
        """One value per row of ``features`` ``[N, d]``."""
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.mean):
            raise ValueError(f"features {x.shape} do not have {len(self.mean)} columns")
        z = (x - self.mean) / self.scale
        vectors = self.support_vectors
        squares = np.einsum("ij,ij->i", vectors, vectors)
        out = np.empty(len(z), dtype=np.float64)
        for start in range(0, len(z), PREDICT_BATCH):
            block = z[start : start + PREDICT_BATCH]
            kernel = block @ vectors.T
            if self.kernel == "rbf":
                norms = np.einsum("ij,ij->i", block, block)
                kernel = np.exp(-self.gamma * (norms[:, None] + squares[None, :] - 2.0 * kernel))
            out[start : start + PREDICT_BATCH] = kernel @ self.dual_coef + self.intercept
        return out

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """``(params, arrays)``: JSON values and named arrays (:meth:`from_state`)."""
        params = {"kernel": self.kernel, "gamma": self.gamma, "intercept": self.intercept}
        arrays = {
            "mean": self.mean,
            "scale": self.scale,
            "support_vectors": self.support_vectors,
            "dual_coef": self.dual_coef,
        }
        return params, arrays

    @classmethod
    def from_state(cls, params: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> KernelSVR:
        if params["kernel"] not in KERNELS:
            raise ValueError(f"unsupported SVR kernel {params['kernel']!r}; known: {KERNELS}")
        return cls(
            kernel=params["kernel"],
            gamma=float(params["gamma"]),
            mean=np.asarray(arrays["mean"], dtype=np.float64),
            scale=np.asarray(arrays["scale"], dtype=np.float64),
            support_vectors=np.asarray(arrays["support_vectors"], dtype=np.float64),
            dual_coef=np.asarray(arrays["dual_coef"], dtype=np.float64),
            intercept=float(params["intercept"]),
        )
