"""Training recipe of the predictor: an ensemble of CNNs (:mod:`seqgen.models.predictor`) on one label.

Regression (the label standardized after an optional log transform and
background correction, see :mod:`seqgen.labels`; mean squared error, or the
Huber loss, quadratic within ``huber_delta`` standard deviations of the target
and linear beyond, which gives outlying measurements less pull) or binary
classification (0/1 labels; binary cross-entropy). A random ``val_fraction``
of the data is held out for early stopping on the ensemble's validation loss,
or, for genome intervals, the sequences of the chromosomes ``val_chromosomes``
names (overlapping peaks and their negatives never on both sides).
Each member draws its own mini-batch every step, so the members differ by
their initialization and their data order.
"""
from __future__ import annotations

import sys

import numpy as np
import torch

from seqgen.data import SequenceSet
from seqgen.device import DeviceData, batch_rows
from seqgen.errors import SeqgenError
from seqgen.stats import auroc, pearson
from seqgen.labels import LabelTransform
from seqgen.models.predictor import Predictor
from seqgen.settings import DEFAULTS as SETTINGS
from seqgen.training import Context, Task, TrainSettings

DEFAULTS = SETTINGS["predictor"]

ARCHITECTURE = ("members", "filters", "kernel", "layers", "kernel2", "dilation", "hidden", "strands", "pool_bins",
                "dropout", "padding")


class PredictorTask(Task):
    """Trains a :class:`Predictor` ensemble; validation score: the ensemble's loss on the held-out split."""

    kind = "predictor"

    def __init__(self, config: dict, data: DeviceData, val: DeviceData | None, model: Predictor,
                 classification: bool):
        super().__init__(config, data)
        self.val, self.model, self.classification = val, model, classification

    def modules(self):
        return {"predictor": self.model}

    def prepare(self, ctx: Context) -> None:
        self.net = ctx.wrap(self.model)
        self.opt = ctx.adam(self.net.parameters(), lr=self.config["lr"], weight_decay=self.config["weight_decay"])

    def optimizers(self):
        return {"predictor": self.opt}

    def _loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.classification:
            return torch.nn.functional.binary_cross_entropy_with_logits(out, y)
        return regression_loss(out, y, self.config["loss"], self.config["huber_delta"])

    def train_step(self, step: int, ctx: Context) -> dict[str, torch.Tensor]:
        b, k = ctx.settings.batch_size, self.model.members
        index = self.data.sample_index(b * k, ctx.generator)
        x = self.data.one_hot(index).view(k, b, self.data.alphabet_size, -1).transpose(0, 1)  # (B, K, A, L)
        y = self.data.labels[index, 0].view(k, b).T  # (B, K)
        with ctx.autocast():
            out = self.net(x)
        loss = self._loss(out.float(), y)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return {"loss": loss.detach()}

    @torch.no_grad()
    def outputs(self, data: DeviceData) -> torch.Tensor:
        """``(N, K)`` member outputs on every sequence of ``data`` (eval mode; fp32, not autocast: early stopping
        compares these and model.pt keeps the best)."""
        self.model.eval()
        try:
            parts = []
            rows = batch_rows(self.model.forward_bytes(data.length), data.device)
            for start in range(0, len(data), rows):
                index = torch.arange(start, min(start + rows, len(data)), device=data.device)
                parts.append(self.model(data.one_hot(index)).float())
            return torch.cat(parts)
        finally:
            self.model.train()

    def evaluate(self, ctx: Context) -> dict[str, float] | None:
        if self.val is None:
            return None
        out, y = self.outputs(self.val), self.val.labels[:, 0]
        if self.classification:
            p = torch.sigmoid(out).mean(1).clamp(1e-6, 1 - 1e-6)
            loss = float(torch.nn.functional.binary_cross_entropy(p, y))
            return {"score": loss, "loss": loss, "auroc": auroc(p.cpu().numpy(), y.cpu().numpy() > 0.5)}
        mean = out.mean(1)
        loss = float(regression_loss(mean, y, self.config["loss"], self.config["huber_delta"]))
        member_loss = regression_loss(out, y[:, None].expand_as(out), self.config["loss"], self.config["huber_delta"])
        return {"score": loss, "loss": loss, "member_loss": float(member_loss),  # on the model's (standardized) scale
                "pearson_model_scale": pearson(mean.cpu().numpy(), y.cpu().numpy())}

    def sequences_per_step(self, settings: TrainSettings) -> int:
        return settings.batch_size * self.model.members


def regression_loss(out: torch.Tensor, y: torch.Tensor, kind: str, delta: float = 1.0) -> torch.Tensor:
    """Mean ``mse`` or ``huber`` loss of predictions ``out`` against targets ``y`` (same shape)."""
    if kind == "huber":
        return torch.nn.functional.huber_loss(out, y, delta=delta)
    return torch.nn.functional.mse_loss(out, y)


def _check_label(y: np.ndarray) -> None:
    """Refuse a label a predictor cannot learn: missing values, or one value for every sequence."""
    if not np.isfinite(y).all():
        raise SeqgenError(f"the label has {int((~np.isfinite(y)).sum())} missing or infinite values (NaN, inf): "
                          f"drop those sequences first")
    if len(np.unique(y)) < 2:
        raise SeqgenError(f"the label has one value only ({y[0]:g} for every sequence): there is nothing to learn "
                          f"(a classifier needs sequences of both classes, 0 and 1; for bound sequences alone, "
                          f"encode them with --negatives, workflow: negatives)")


def _task_type(config: dict, y: np.ndarray) -> str:
    binary = bool(np.isin(y, (0.0, 1.0)).all())
    kind = config["task"]
    if kind == "auto":
        values = np.unique(y)
        if not binary and len(values) == 2:  # two classes coded otherwise (-1/1, 1/2): a regression, silently
            print(f"note: the label has two values, {values[0]:g} and {values[1]:g}: the predictor regresses them; "
                  f"a classifier (probabilities, AUROC) needs them coded 0 and 1", file=sys.stderr)
        elif not binary and np.isin(y, (0.0, 1.0)).mean() >= 0.9:  # 0/1 but for a few (a typo, a third class)
            count, shown = _not_binary(y)
            print(f"note: the label is 0 or 1 but for {count} of {len(y)} sequences ({shown}): the predictor "
                  f"regresses them; a classifier (probabilities, AUROC) needs every label 0 or 1", file=sys.stderr)
        return "classification" if binary else "regression"
    if kind == "classification" and not binary:
        count, shown = _not_binary(y)
        raise SeqgenError(f"setting 'task': classification needs labels that are all 0 or 1, and {count} are not "
                          f"({shown}): code the classes 0 and 1, or set 'task: regression'")
    return kind


def _not_binary(y: np.ndarray) -> tuple[int, str]:
    """How many labels of ``(N,)`` ``y`` are neither 0 nor 1, and the first five such values as text."""
    other = ~np.isin(y, (0.0, 1.0))
    values = np.unique(y[other])
    return int(other.sum()), ", ".join(f"{v:g}" for v in values[:5]) + (", ..." if len(values) > 5 else "")


#: a positive label whose 99th percentile lies this many times further above its median than its 1st below
SKEWED = 3.0


def _note_skewed_label(config: dict, y: np.ndarray) -> None:
    """Suggest ``transform: log`` for a positive, right-skewed label learnt as it is (raw PBM signal: Cebpb's 99th
    percentile is 20x further above its median than its 1st is below; the log signal is learnt better)."""
    if config["transform"] != "none" or config["background_label"] is not None or (y <= 0).any():
        return
    low, median, high = np.percentile(y, [1, 50, 99])
    if high - median > SKEWED * max(median - low, 1e-12):
        print(f"note: the label is positive and right-skewed (1st, 50th, 99th percentiles {low:.3g}, {median:.3g}, "
              f"{high:.3g}): set 'transform: log' to learn log(label + {config['log_offset']:g}), as for PBM signal",
              file=sys.stderr)


def _note_regression_settings(config: dict) -> None:
    """Say so when regression-only settings are given to a classification (they do not apply to 0/1 labels)."""
    unused = [f"{key}: {config[key]}" for key, off in (("transform", "none"), ("background_label", None),
                                                       ("loss", "mse")) if config[key] != off]  # BCE for 0/1
    if unused:
        print(f"note: {', '.join(unused)} not used: the labels are 0/1, so the predictor is a classifier "
              f"(set 'task: regression' to regress them)", file=sys.stderr)


def architecture(config: dict, data: SequenceSet) -> dict:
    """The :class:`Predictor` arguments for ``config`` on ``data`` (``strands: auto`` resolved)."""
    arch = {k: config[k] for k in ARCHITECTURE}
    if arch["strands"] == "auto":
        arch["strands"] = "concat" if data.alphabet.double_stranded else "forward"
    elif arch["strands"] != "forward" and data.alphabet.is_nucleic and not data.alphabet.double_stranded:
        print(f"note: strands: {arch['strands']} also reads each sequence's reverse complement, but "
              f"{data.alphabet.name} is single-stranded (strands: forward, the default for it, reads each as given)",
              file=sys.stderr)
    return {"alphabet_size": data.alphabet.size, "length": data.length, **arch}


def split_index(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted ``(train, validation)`` indices of a random split of ``n`` items."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(round(fraction * n))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def validation_split(config: dict, data: SequenceSet) -> tuple[np.ndarray, np.ndarray]:
    """Sorted ``(train, validation)`` indices: the sequences of the chromosomes ``config['val_chromosomes']`` names
    held out (a BED input's, :attr:`SequenceSet.chroms`), else a random ``val_fraction`` of them."""
    if not config["val_chromosomes"]:
        return split_index(len(data), config["val_fraction"], config["val_seed"])
    return data.chromosome_split(config["val_chromosomes"], "val_chromosomes")


def model_targets(config: dict, data: SequenceSet, train_index: np.ndarray,
                  task_type: str) -> tuple[LabelTransform | None, np.ndarray]:
    """The label normalization fitted on the training split (None for a classifier) and the ``(N,)`` targets the
    model learns: the normalized label, or the 0/1 classes."""
    y = data.label(config["label"])
    if task_type != "regression":
        return None, y.astype(np.float32)
    background = None if config["background_label"] is None else data.label(config["background_label"])
    norm = LabelTransform.fit(y[train_index], None if background is None else background[train_index],
                              config["transform"], config["log_offset"])
    return norm, norm.apply(y, background)


def make_task(config: dict, data: SequenceSet, device: torch.device) -> tuple[PredictorTask, DeviceData]:
    """Split off the validation set, fit the label normalization on the rest, build the ensemble."""
    y = data.label(config["label"])
    _check_label(y)
    task_type = _task_type(config, y)
    train_index, val_index = validation_split(config, data)
    n_val = len(val_index)
    if len(train_index) == 0:
        raise SeqgenError("no sequences left to train on")
    if config["val_fraction"] > 0 and n_val == 0:
        print(f"note: val_fraction {config['val_fraction']:g} of {len(data)} sequences is no sequence: no validation "
              f"split, so no early stopping and no held-out figures", file=sys.stderr)
    if task_type == "regression":
        _note_skewed_label(config, y)
    else:
        _note_regression_settings(config)
    norm, target = model_targets(config, data, train_index, task_type)
    arch = architecture(config, data)
    try:
        model = Predictor(**arch)
    except ValueError as exc:
        raise SeqgenError(f"predictor settings: {exc}") from None

    def resident(index):
        part = SequenceSet(data.codes[index], data.alphabet, data.ids[index], labels=target[index, None],
                           label_names=["target"])
        return DeviceData(part, device)

    train = resident(train_index)
    val = resident(val_index) if n_val else None
    task = PredictorTask(config, train, val, model, task_type == "classification")
    task.model_extra = {"architecture": arch, "target": {
        "task": task_type, "label": config["label"] or data.label_names[0],
        "normalization": None if norm is None else norm.to_dict()}}
    return task, train


def after_training(out, data: SequenceSet, config: dict, result) -> dict:
    """Write ``predictions.tsv`` (the validation split: id, sequence, measured, predicted, std, and genome
    intervals' ``chrom, start, end, strand``) and ``metrics.json``.

    Uses the saved model (the best weights under early stopping), on the label's own scale.
    """
    from pathlib import Path

    import pandas as pd

    from seqgen.alphabets import decode
    from seqgen.atomic import atomic_path, write_json
    from seqgen.baselines import kmer_baseline
    from seqgen.stats import spearman
    from seqgen.predict import load_predictor

    out = Path(out)
    predictor = load_predictor(out)
    train_index, val_index = validation_split(config, data)
    metrics = {"label": predictor_label(config, data), "task": predictor.task, "members": predictor.members,
               "n_sequences": len(data), "n_validation": int(len(val_index)), "steps": result.steps,
               "stopped": result.stopped, "seconds": round(result.seconds, 1), "best_val_loss": result.best_score}
    if config["val_chromosomes"]:
        metrics["val_chromosomes"] = [str(name) for name in config["val_chromosomes"]]
    if len(val_index):
        measured = data.label(config["label"])[val_index]
        mean, std = predictor.predict(data.codes[val_index])
        table = pd.DataFrame({"id": data.ids[val_index], "sequence": decode(data.codes[val_index], data.alphabet),
                              "measured": measured, "predicted": mean, "std": std,
                              **data.coordinates(val_index)})
        with atomic_path(out / "predictions.tsv") as tmp:
            table.to_csv(tmp, sep="\t", index=False)
        if predictor.task == "classification":
            metrics["val_auroc"] = auroc(mean, measured > 0.5)
        else:
            metrics["val_pearson"] = pearson(mean, measured)
            metrics["val_spearman"] = spearman(mean, measured)
            if (measured > 0).all() and (mean > 0).all():
                metrics["val_pearson_log"] = pearson(np.log(mean), np.log(measured))
        _, target = model_targets(config, data, train_index, predictor.task)
        metrics["baseline"] = kmer_baseline(data.codes, data.alphabet, target, train_index, val_index, measured,
                                            predictor.task == "classification")
    else:  # an earlier run's, with a validation split, would be read (and reported) as this model's
        (out / "predictions.tsv").unlink(missing_ok=True)
    write_json(out / "metrics.json", metrics)  # strict JSON: a metric of a one-sequence split is null, not NaN
    _warn_if_diverged(predictor, data, config, result, val_index)
    return metrics


#: a regression loss this many times that of predicting the training labels' mean means training diverged
DIVERGED_LOSS_RATIO = 10.0


def _warn_if_diverged(predictor, data: SequenceSet, config: dict, result, val_index: np.ndarray) -> None:
    """Warn when a regression does far worse than predicting the training labels' mean: a learning rate too large
    for the model whose loss grew without overflowing (no NaN stops it), so that a useless model was saved.

    The loss compared is the best validation loss (without a validation split: the last training loss), on the
    split it was measured on."""
    if predictor.task != "regression":
        return
    loss = result.best_score if len(val_index) else result.last_metrics.get("loss")
    if loss is None:
        return
    index = val_index if len(val_index) else validation_split(config, data)[0]
    background = None if config["background_label"] is None else data.label(config["background_label"])[index]
    z = torch.from_numpy(predictor.normalization.apply(data.label(config["label"])[index], background))
    baseline = float(regression_loss(torch.zeros_like(z), z, config["loss"], config["huber_delta"]))
    if loss > DIVERGED_LOSS_RATIO * max(baseline, 1e-12):
        split = "validation" if len(val_index) else "training"
        print(f"warning: the predictor's {split} loss, {loss:.4g}, is {loss / max(baseline, 1e-12):.3g} times that of "
              f"predicting the training labels' mean ({baseline:.4g}): training diverged, and model.pt predicts "
              f"nothing useful; lower 'lr' (now {config['lr']:g})", file=sys.stderr)


def predictor_label(config: dict, data: SequenceSet) -> str:
    return config["label"] or data.label_names[0]
