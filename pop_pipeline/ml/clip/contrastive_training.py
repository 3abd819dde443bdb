"""Contrastive (CLIP) training of a :class:`ClipBundle` on image–caption pairs.

Radford et al., "Learning Transferable Visual Models From Natural Language Supervision"
(ICML 2021): a symmetric cross-entropy over the in-batch image–text similarity matrix,
computed by open_clip's :class:`open_clip.ClipLoss`. AdamW with linear warmup and a cosine
decay; autocast (bf16, or fp16 with a gradient scaler) on CUDA only, so a CPU run is
deterministic for a given seed.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import open_clip
import torch
from torch.utils.data import DataLoader, Dataset

from pop_pipeline.io.images import ImageDecodeError
from pop_pipeline.ml.clip.encoding import load_image_tensor
from pop_pipeline.ml.clip.factory import ClipBundle

EpochCallback = Callable[[int, dict[str, float]], None]


@dataclass(frozen=True)
class ContrastiveTrainingConfig:
    """Hyperparameters of :func:`train_contrastive`.

    The defaults train the in-domain CLIP on the ``demo`` world (~2,000 pairs of 128 px
    images and captions) in about 2–3 minutes on a 2-core CPU.
    """

    epochs: int = 6  # passes over the pairs
    batch_size: int = 64  # pairs per step: each pair's caption competes with 63 others
    learning_rate: float = 1e-3  # peak AdamW learning rate, reached after the warmup
    weight_decay: float = 0.1  # AdamW decay of weight matrices (not gains, biases, embeddings)
    warmup_steps: int = 10  # linear warmup steps before the cosine decay to zero
    max_grad_norm: float | None = 1.0  # gradient clipping threshold; None: no clipping
    seed: int = 0  # shuffling, augmentation and dropout
    num_workers: int | None = None  # DataLoader processes; None: 0 on CPU, up to 8 on CUDA
    worker_start_method: str | None = None  # "fork", "spawn", "forkserver"; None: platform's
    mixed_precision: bool = True  # autocast bf16 (fp16 + GradScaler if no bf16) on CUDA only

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 2 or self.warmup_steps < 0:
            raise ValueError("need epochs >= 1, batch_size >= 2 and warmup_steps >= 0")
        if self.learning_rate <= 0 or self.weight_decay < 0:
            raise ValueError("need learning_rate > 0 and weight_decay >= 0")


class ImageCaptionDataset(Dataset):
    """Pairs of (augmented image tensor, caption token ids); unreadable images yield None."""

    def __init__(
        self,
        image_uris: Sequence[str],
        captions: Sequence[str],
        transform: Callable,
        tokenizer: Callable,
    ) -> None:
        if len(image_uris) != len(captions):
            raise ValueError(f"{len(image_uris)} images but {len(captions)} captions")
        self.image_uris = [str(uri) for uri in image_uris]
        self.captions = [str(caption) for caption in captions]
        self.transform = transform
        self.tokenizer = tokenizer

    def __len__(self) -> int:
        return len(self.image_uris)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor] | None:
        try:
            image = load_image_tensor(self.image_uris[index], self.transform)
        except ImageDecodeError:
            return None
        return image, self.tokenizer([self.captions[index]])[0]


def collate_pairs(
    items: list[tuple[torch.Tensor, torch.Tensor] | None],
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Stack the readable pairs; also return how many were skipped."""
    pairs = [item for item in items if item is not None]
    if not pairs:
        return torch.empty(0), torch.empty(0, dtype=torch.long), len(items)
    images, tokens = zip(*pairs, strict=True)
    return torch.stack(images), torch.stack(tokens), len(items) - len(pairs)


def train_contrastive(
    bundle: ClipBundle,
    image_uris: Sequence[str],
    captions: Sequence[str],
    config: ContrastiveTrainingConfig,
    *,
    on_epoch_end: EpochCallback | None = None,
) -> list[dict[str, float]]:
    """Train ``bundle.model`` in place on image–caption pairs; leave it in eval mode.

    Args:
        bundle: The CLIP to train (usually ``create_clip(IN_DOMAIN_MODEL)``).
        image_uris: Local paths or ``s3://`` URIs, read with ``bundle.train_preprocess``.
        captions: One caption per image, tokenised with ``bundle.tokenizer``.
        config: Hyperparameters.
        on_epoch_end: Called as ``on_epoch_end(epoch, metrics)`` after each epoch (1-based).

    Returns:
        One dict per epoch: ``epoch``, ``loss`` (mean ClipLoss), ``image_to_text_top1``
        (in-batch image→text retrieval accuracy), ``chance_top1`` (its value for a random
        model), ``learning_rate`` (at the epoch's end), ``logit_scale``, ``skipped_images``,
        ``seconds`` and ``pairs_per_second``.
    """
    dataset = ImageCaptionDataset(image_uris, captions, bundle.train_preprocess, bundle.tokenizer)
    if len(dataset) < 2:
        raise ValueError("contrastive training needs at least 2 image–caption pairs")
    device = bundle.device
    batch_size = min(config.batch_size, len(dataset))
    devices = [device.index or 0] if device.type == "cuda" else []
    history: list[dict[str, float]] = []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(config.seed)
        loader = _loader(dataset, batch_size, config, device)
        steps = config.epochs * len(loader)
        optimizer = _adamw(bundle.model, config)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, _warmup_cosine(config.warmup_steps, steps)
        )
        step = _TrainStep(bundle.model, optimizer, schedule, config, device)
        try:
            for epoch in range(1, config.epochs + 1):
                metrics = step.run_epoch(loader)
                metrics["epoch"] = float(epoch)
                history.append(metrics)
                if on_epoch_end is not None:
                    on_epoch_end(epoch, metrics)
        finally:
            bundle.model.eval()
    return history


def _loader(
    dataset: ImageCaptionDataset,
    batch_size: int,
    config: ContrastiveTrainingConfig,
    device: torch.device,
) -> DataLoader:
    workers = config.num_workers
    if workers is None:
        workers = 0 if device.type == "cpu" else min(8, max(1, (os.cpu_count() or 1) - 1))
    generator = torch.Generator().manual_seed(config.seed)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        drop_last=len(dataset) > batch_size,  # a tiny last batch makes a noisy contrastive step
        num_workers=workers,
        collate_fn=collate_pairs,
        generator=generator,
        pin_memory=device.type == "cuda",
        persistent_workers=workers > 0,
        multiprocessing_context=config.worker_start_method if workers > 0 else None,
    )


def _adamw(model: torch.nn.Module, config: ContrastiveTrainingConfig) -> torch.optim.AdamW:
    # As open_clip's training: no decay on gains, biases, embeddings and the logit scale.
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        exclude = parameter.ndim < 2 or "bn" in name or "ln" in name or "logit_scale" in name
        (no_decay if exclude else decay).append(parameter)
    groups = [
        {"params": no_decay, "weight_decay": 0.0},
        {"params": decay, "weight_decay": config.weight_decay},
    ]
    return torch.optim.AdamW(groups, lr=config.learning_rate, betas=(0.9, 0.98), eps=1e-6)


def _warmup_cosine(warmup_steps: int, total_steps: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return factor


class _TrainStep:
    """One optimisation step at a time, with autocast and gradient scaling on CUDA."""

    def __init__(
        self,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        schedule: torch.optim.lr_scheduler.LRScheduler,
        config: ContrastiveTrainingConfig,
        device: torch.device,
    ) -> None:
        self.model = model
        self.optimizer = optimizer
        self.schedule = schedule
        self.config = config
        self.device = device
        self.loss = open_clip.ClipLoss()
        amp = config.mixed_precision and device.type == "cuda"
        bf16 = amp and torch.cuda.is_bf16_supported()
        self.amp_dtype = (torch.bfloat16 if bf16 else torch.float16) if amp else None
        self.scaler = torch.amp.GradScaler("cuda", enabled=amp and not bf16)

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def run_epoch(self, loader: DataLoader) -> dict[str, float]:
        self.model.train()
        started = time.perf_counter()
        loss_sum = correct = pairs = skipped = 0.0
        chance_sum = 0.0
        for images, tokens, n_skipped in loader:
            skipped += n_skipped
            if len(images) < 2:
                continue
            images = images.to(self.device, non_blocking=True)
            tokens = tokens.to(self.device, non_blocking=True)
            with self._autocast():
                image_features = self.model.encode_image(images, normalize=True)
                text_features = self.model.encode_text(tokens, normalize=True)
                logit_scale = self.model.logit_scale.exp()
                loss = self.loss(image_features, text_features, logit_scale)
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            if self.config.max_grad_norm is not None:
                self.scaler.unscale_(self.optimizer)
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.max_grad_norm)
            self.scaler.step(self.optimizer)
            self.scaler.update()
            self.schedule.step()
            with torch.no_grad():
                # As in CLIP: the temperature may not exceed 100.
                self.model.logit_scale.clamp_(0, math.log(100))
                hits = (image_features @ text_features.T).argmax(dim=1)
                correct += (hits == torch.arange(len(images), device=self.device)).sum().item()
            batch = len(images)
            loss_sum += loss.item() * batch
            chance_sum += 1.0  # each pair's chance of a top-1 hit is 1 / batch
            pairs += batch
        seconds = time.perf_counter() - started
        if not pairs:
            raise ValueError(
                f"no batch of at least 2 readable images in this epoch ({skipped:.0f} unreadable)"
            )
        return {
            "loss": loss_sum / pairs,
            "image_to_text_top1": correct / pairs,
            "chance_top1": chance_sum / pairs,
            "learning_rate": self.schedule.get_last_lr()[-1],
            "logit_scale": self.model.logit_scale.exp().item(),
            "skipped_images": skipped,
            "seconds": seconds,
            "pairs_per_second": pairs / seconds if seconds > 0 else math.nan,
        }
