"""The batch contract of the popularity-regression models (papers 001, 002, 004).

Every regression model is an ``nn.Module`` whose ``forward(batch)`` takes a mapping from the
names below to tensors (first dimension ``B``, the tweets of the batch) and returns the
predicted target as a float tensor of shape ``[B]``. Each model class declares the names it
reads in ``required_inputs``; the feature assembly produces exactly those names, so models,
datasets and the training loop agree on one vocabulary. Index 0 of every id vocabulary
(words, users, categories) is reserved for "unknown / padding".
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

PIXELS = "pixels"  # float [B, 3, 64, 64] in [0, 1]: the raw image (Hybrid CNN, paper 001)
SIDE_FEATURES = "side_features"  # float [B, 2]: log1p(author followers), log1p(hours elapsed)
PATCH_FEATURES = "patch_features"  # float [B, R, Dv]: CLIP patch-grid region features (UHAN)
WORD_IDS = "word_ids"  # long [B, T]: caption word ids, 0 = padding
WORD_MASK = "word_mask"  # bool [B, T]: True where a real word is
USER_INDEX = "user_index"  # long [B]: learned-user-embedding row, 0 = unseen user
IMAGE_EMBEDDING = "image_embedding"  # float [B, Dc]: CLIP image embedding of the tweet
TEXT_EMBEDDING = "text_embedding"  # float [B, Dc]: CLIP text embedding of the caption
CATEGORY_IDS = "category_ids"  # long [B, 3]: category, subcategory, concept ids, 0 = unknown
USER_FEATURES = "user_features"  # float [B, F]: z-scored counts, account age, one-hot time
# DSN's chronological window (paper 004 §3.1): the previous l−1 posts across all users, then the
# target post last; left-padded where fewer than l−1 posts precede the target.
SEQUENCE_IMAGE_EMBEDDING = "sequence_image_embedding"  # float [B, L, Dc]
SEQUENCE_TEXT_EMBEDDING = "sequence_text_embedding"  # float [B, L, Dc]
SEQUENCE_CATEGORY_IDS = "sequence_category_ids"  # long [B, L, 3]
SEQUENCE_MASK = "sequence_mask"  # bool [B, L]: True for real posts; the last is always True

RegressionBatch = Mapping[str, torch.Tensor]


def check_batch(batch: RegressionBatch, required: tuple[str, ...]) -> int:
    """The batch size, after checking that every required input is present with one ``B``.

    Raises:
        KeyError: a required input is missing (names them all).
        ValueError: the inputs disagree on the batch size.
    """
    missing = [name for name in required if name not in batch]
    if missing:
        raise KeyError(f"regression batch lacks inputs {missing}; has {sorted(batch)}")
    sizes = {name: int(batch[name].shape[0]) for name in required}
    if len(set(sizes.values())) > 1:
        raise ValueError(f"regression inputs disagree on the batch size: {sizes}")
    return next(iter(sizes.values())) if sizes else 0
