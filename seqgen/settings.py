"""What each model kind accepts: the settings every training run shares (:class:`TrainSettings`),
every kind's defaults (:data:`DEFAULTS`) and :func:`merge_config`, which checks a user's settings against them;
the design settings (:data:`DESIGN_OPTIONS`: options, defaults, ranges, and which design methods use each, for
:func:`ignored_design_options`) and the longest run of one letter a DNA/RNA design may hold unwarned
(:data:`LONG_RUN`); and :func:`scientific_numbers`, which reads ``1e-4`` in a config as YAML 1.2 does.

No PyTorch is imported here, so that the workflow checks every model and design block of a config at start (a dry
run included) in a fraction of a second; the recipes (:mod:`seqgen.tasks`) build and train the models.
"""
from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from pathlib import Path

from seqgen.errors import SeqgenError

LR_SCHEDULES = ("constant", "cosine")


@dataclass
class TrainSettings:
    """Settings every training run shares (model settings live in each task's config)."""

    steps: int = 2000
    batch_size: int = 64
    seed: int = 0
    max_time: float | None = None  #: minutes of wall time, then stop with a checkpoint
    checkpoint_every: int = 500
    log_every: int = 20
    eval_every: int | None = None  #: validation every N steps (tasks with ``evaluate``)
    patience: int | None = None  #: early stopping after this many evaluations without improvement
    amp: bool = True  #: bf16 autocast on CUDA
    compile: bool = False  #: torch.compile the modules
    progress: bool = True
    ema: float | None = None  #: decay of an exponential moving average of the weights, written to model.pt
    lr_schedule: str = "constant"  #: ``constant`` or ``cosine`` (to 0 over steps or max_time, whichever ends first)

    def __post_init__(self):
        for name in ("steps", "batch_size", "checkpoint_every", "log_every"):
            if getattr(self, name) <= 0:
                raise SeqgenError(f"{name.replace('_', '-')} must be positive, not {getattr(self, name)}")
        if self.max_time is not None and not 0 < self.max_time < math.inf:  # nan: no limit, silently
            raise SeqgenError(f"max-time must be positive, not {self.max_time}")
        for name, off in (("eval_every", "no validation"), ("patience", "no early stopping")):
            if getattr(self, name) is not None and getattr(self, name) < 0:
                raise SeqgenError(f"setting {name!r} must be 0 or more (0 or null: {off}), not {getattr(self, name)}")
        if self.ema is not None and (isinstance(self.ema, bool) or not isinstance(self.ema, (int, float))
                                     or not 0 < self.ema < 1):
            raise SeqgenError(f"setting 'ema' must lie between 0 and 1, not {self.ema}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise SeqgenError(f"setting 'lr_schedule' must be one of {', '.join(LR_SCHEDULES)}, "
                              f"not {self.lr_schedule!r}")


KINDS = ("vae", "gan", "predictor")
SETTINGS_FIELDS = {f.name for f in dataclasses.fields(TrainSettings)}

#: every setting of each model kind (its model's and the engine's it prefers), with its default
DEFAULTS = {
    "vae": {
        "arch": "conv", "latent_dim": 32,
        # conv
        "channels": 64, "blocks": 3, "kernel_size": 5, "res_scale": 0.3,
        "decoder": "independent", "dilations": [1, 2, 4, 8], "causal_kernel": 3, "markov_order": 0,
        # mlp (family VAE)
        "encoder_hidden": [1500, 1500], "decoder_hidden": [100, 500], "sparsity": True, "prior_weight": 1.0,
        "bayesian_decoder": True, "weight_log_sigma_init": -5.0, "dictionary": 0, "gaps": "auto",
        "init": "torch",
        # alignments
        "reweight": True, "theta": 0.2, "max_gap_fraction": 0.5,
        "lr": 1e-3, "weight_decay": 0.0, "beta": 1.0, "kl_warmup": 1000, "free_bits": 0.0,
        "steps": 5000, "batch_size": 128, "checkpoint_every": 500, "log_every": 20,
    },
    "gan": {
        "latent_dim": 100, "channels": 100, "blocks": 5, "kernel_size": 5, "res_scale": 0.3,
        "gp_weight": 10.0, "critic_steps": 5, "lr": 1e-4, "beta1": 0.5, "beta2": 0.9,
        "max_wasserstein": 1e4,  #: stop as diverged when |Wasserstein estimate| exceeds this
        "steps": 20000, "batch_size": 64, "checkpoint_every": 500, "log_every": 20,
    },
    "predictor": {
        # what to learn
        "label": None,  #: label column (default: the first)
        "task": "auto",  #: regression, classification (0/1 labels) or auto (classification when labels are 0/1)
        "transform": "none",  #: regression label transform: none or log (log(label + log_offset))
        "log_offset": 1.0,
        "background_label": None,  #: a label to regress out (PBM: background), see seqgen.labels
        # the model
        "members": 5,  #: ensemble size K
        "filters": 64,
        "kernel": 13,
        "layers": 1,
        "kernel2": 5,
        "dilation": 1,
        "hidden": 32,
        "strands": "auto",  #: forward, max, concat; auto: concat for DNA, forward otherwise (RNA and protein)
        "pool_bins": 1,
        "dropout": 0.1,
        "padding": "valid",  #: valid, or full: kernel - 1 zero columns at each end (motifs running past the ends)
        # optimisation and validation
        "lr": 0.001,
        "weight_decay": 0.0,
        "loss": "mse",  #: regression loss: mse, or huber (linear beyond huber_delta SDs: robust to outliers)
        "huber_delta": 1.0,
        "val_fraction": 0.1,
        "val_seed": 0,
        "val_chromosomes": [],  #: genome intervals: hold these chromosomes' sequences out instead of val_fraction
        # engine settings (TrainSettings)
        "steps": 5000,
        "batch_size": 256,
        "eval_every": 100,
        "patience": 10,
        "log_every": 50,
        "checkpoint_every": 1000,
        "seed": 0,
        "max_time": None,
        "amp": True,
        "compile": False,
        "progress": True,
    },
}

VALIDATING = ("predictor",)  #: kinds that validate on a held-out split (eval_every, patience, early stopping)


#: the label columns each PBM table format holds, in order (the readers name them so, and the workflow knows from
#: them which labels a data set of that format has)
PBM_LABELS = {"dream5": ["signal", "background"], "uniprobe": ["intensity"]}


#: without --max-homopolymer, DNA/RNA designs with a longer run of one letter draw a warning (and the workflow sets
#: it as their default ``max_homopolymer``): predictors trained on ordinary sequences rarely see such runs and often
#: over-rate them (benchmarks/RESULTS.md, design run 8)
LONG_RUN = 6

#: a window is a motif site when its score's p-value is below SITE_P (FIMO's default threshold); here, not in
#: :mod:`seqgen.motifs`, so that ``seqgen motifs``' options are declared without importing pandas and scipy
SITE_P = 1e-4

#: the design methods (``seqgen design --method``): the gradient methods, then simulated annealing
DESIGN_GRADIENT = ("softmax", "fast-seqprop", "latent")
DESIGN_METHODS = (*DESIGN_GRADIENT, "anneal")

POSITIVE, NOT_NEGATIVE = "positive", "not negative"  #: the ranges a design setting's value is checked for


@dataclass(frozen=True)
class DesignOption:
    """One design setting: the option ``--name`` of ``seqgen design`` (dashes for underscores), the key
    ``design.<method>.name`` of the workflow's config, and the field ``name`` of
    :class:`seqgen.design.run.DesignSettings` (but ``freeze_offset``, which is ``not learn_offset`` there).

    Its type is its default's: a bool is a flag (off by default), an int or a float takes a value.
    """

    name: str
    default: bool | int | float
    help: str | None = None
    metavar: str | None = None  #: the value's name in ``--help`` (None: the name in capitals)
    methods: tuple[str, ...] = DESIGN_METHODS  #: the methods that use it (the others ignore it)
    annealing: bool = False  #: a setting of annealing steps: method anneal's, and a gradient method's polish's
    bound: str | None = None  #: :data:`POSITIVE` or :data:`NOT_NEGATIVE` (None: any value)

    @property
    def flag(self) -> str:
        """The command-line option: ``--plateau-window`` for ``plateau_window``."""
        return "--" + self.name.replace("_", "-")

    def check(self, value) -> None:
        """Refuse ``value`` outside :attr:`bound`, naming the setting."""
        if self.bound == POSITIVE and value <= 0:
            raise SeqgenError(f"{self.name} must be positive, not {value}")
        if self.bound == NOT_NEGATIVE and value < 0:
            raise SeqgenError(f"{self.name} must not be negative, not {value}")


def _annealing(name: str, default, **details) -> DesignOption:
    """A setting of annealing steps: used by method anneal, and by a gradient method's ``polish``."""
    return DesignOption(name, default, methods=("anneal",), annealing=True, **details)


#: the design settings, in the order of ``seqgen design --help``: each one's option, default, help, range and the
#: methods that use it, declared once (``seqgen design``'s options and ``DesignSettings``' range checks are made
#: from it; ``DesignSettings``' fields and the workflow schema's ``design_method`` are tested against it). A new
#: setting: a row here, its field of ``DesignSettings`` and its entry in the schema (the tests name any missing)
DESIGN_OPTIONS = (
    DesignOption("n", 64, help="number of candidates", bound=POSITIVE),
    DesignOption("steps", 200, bound=POSITIVE),
    DesignOption("lr", 0.1, methods=DESIGN_GRADIENT, bound=POSITIVE),
    DesignOption("samples", 1, help="straight-through samples per step", methods=("fast-seqprop",),
                 bound=POSITIVE),
    DesignOption("diversity", 0.0, help="weight of the similarity penalty, in the objective's units: the penalty is "
                 "at most this (the mean share of letters a chain's probabilities hold in common with the others'); "
                 "about 1 against a standardized predictor, about 1000 against a protein VAE's ELBO (hundreds of "
                 "nats)", methods=DESIGN_GRADIENT,
                 bound=NOT_NEGATIVE),
    DesignOption("entropy", 0.0, metavar="NATS", methods=("fast-seqprop", "softmax"), bound=NOT_NEGATIVE,
                 help="fast-seqprop/softmax: keep each chain's mean per-position entropy above NATS (anti-collapse)"),
    DesignOption("restart", 0, metavar="STEPS", bound=NOT_NEGATIVE,
                 help="re-initialize a chain whose best has not improved for STEPS steps (its best is kept)"),
    DesignOption("freeze_offset", False, methods=("fast-seqprop",),
                 help="fast-seqprop: do not learn the per-letter offset, so the letter composition cannot drift"),
    DesignOption("offset_limit", 0.0, metavar="M", methods=("fast-seqprop",), bound=NOT_NEGATIVE,
                 help="fast-seqprop: bound the learned per-letter offset softly to +-M (0: unbounded), so the "
                      "composition may drift but no letter leaves every position at once"),
    DesignOption("polish", 0, metavar="STEPS", methods=DESIGN_GRADIENT, bound=NOT_NEGATIVE,
                 help="gradient methods: STEPS annealing steps (--proposals mutants each) from each chain's best"),
    DesignOption("patience", 0, metavar="STEPS", bound=NOT_NEGATIVE,
                 help="stop once no chain's best has improved for STEPS steps (0: run all --steps)"),
    DesignOption("plateau", 0.0, metavar="FRACTION", bound=NOT_NEGATIVE,
                 help="stop the run (and its polish) once the last --plateau-window calls raised the mean best "
                      "score by less than FRACTION of its rise so far (e.g. 0.05; 0: off)"),
    DesignOption("plateau_window", 50, metavar="CALLS", bound=POSITIVE),
    DesignOption("prior_weight", 0.0, help="latent: weight of the N(0, I) prior on z", methods=("latent",),
                 bound=NOT_NEGATIVE),
    _annealing("proposals", 8, help="anneal: mutants per chain and step", bound=POSITIVE),
    _annealing("guided", False,
               help="anneal and --polish: draw the mutants by the predictor's gradient (first-order gain of each "
                    "single-letter change; one more call per step, none with --proposals 1) instead of at random"),
    _annealing("guide_temperature", 0.5, bound=NOT_NEGATIVE,
               help="--guided: randomness of the draw, in units of the gains' spread (0: the top ones)"),
    _annealing("combine", False,
               help="anneal and --polish: also score each chain with all its improving mutants at once (one more "
                    "call per step) and take it when it beats the best single mutant"),
    _annealing("mutations", 1, metavar="K", bound=POSITIVE,
               help="anneal and --polish: letters each mutant changes, at K distinct positions (guided: the K "
                    "positions of best gradient gain, each with its best letter)"),
)

#: design options that only some methods use (the others would ignore them), but for the annealing ones: option ->
#: methods; and the annealing ones (method anneal's, and a gradient method's with polish)
DESIGN_METHOD_OPTIONS = {o.name: o.methods for o in DESIGN_OPTIONS if o.methods != DESIGN_METHODS and not o.annealing}
DESIGN_ANNEALING = tuple(o.name for o in DESIGN_OPTIONS if o.annealing)


def ignored_design_options(method: str, options, polish: bool) -> list[str]:
    """The design ``options`` (names, as ``seqgen design``'s with underscores) that ``method`` does not use;
    ``polish``: a gradient method polishes by annealing, which uses the annealing options."""
    ignored = [k for k in options if k in DESIGN_METHOD_OPTIONS and method not in DESIGN_METHOD_OPTIONS[k]]
    return ignored + [k for k in options if k in DESIGN_ANNEALING and method != "anneal" and not polish]


def _unique_key_loader():
    """PyYAML's safe loader, except that a key given twice in one mapping is an error (PyYAML keeps the last
    silently, so ``steps: 2`` further down would quietly replace ``steps: 3000``)."""
    import yaml

    class DuplicateKey(yaml.YAMLError):
        pass

    class UniqueKeyLoader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            first = {}
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode):
                    line = first.setdefault((key.tag, key.value), key.start_mark.line + 1)
                    if line != key.start_mark.line + 1:
                        raise DuplicateKey(f"{key.value!r} is given twice (lines {line} and "
                                           f"{key.start_mark.line + 1}); keep one")
            return super().construct_mapping(node, deep)

    return UniqueKeyLoader, DuplicateKey


def load_config_file(path) -> dict:
    """Read a YAML (or JSON) settings file into a dict; a key given twice in one mapping is refused."""
    import yaml

    loader, duplicate = _unique_key_loader()
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise SeqgenError(f"cannot read config: {exc.strerror}", path) from None
    try:
        loaded = yaml.load(text, Loader=loader)
    except duplicate as exc:
        raise SeqgenError(str(exc), path) from None
    except yaml.YAMLError as exc:
        raise SeqgenError(f"not valid YAML: {' '.join(str(exc).split())}", path) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise SeqgenError("a config file must hold a mapping of setting: value", path)
    return loaded


def user_settings(config_path=None, settings_json: str | None = None, assignments=(), flags=None) -> dict:
    """A training run's settings as the user gave them, later sources winning: the ``config_path`` YAML file,
    the ``settings_json`` mapping (``--settings``, as the workflow passes them), each ``KEY=VALUE`` of
    ``assignments`` (``--set``; the value read as YAML), then ``flags`` (options such as ``--steps``)."""
    import json

    import yaml

    user = load_config_file(config_path) if config_path else {}
    if settings_json:
        try:
            extra = json.loads(settings_json)
        except json.JSONDecodeError as exc:
            raise SeqgenError(f"--settings is not valid JSON: {exc}") from None
        if not isinstance(extra, dict):
            raise SeqgenError("--settings must be a JSON mapping of setting: value")
        user.update(extra)
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep:
            raise SeqgenError(f"--set takes KEY=VALUE, not {item!r}")
        user[key.strip()] = yaml.safe_load(value)
    return {**user, **(flags or {})}


#: VAE settings that only one architecture reads, and those that only an alignment (data with a focus sequence) reads
VAE_ARCH_SETTINGS = {
    "conv": ("channels", "blocks", "kernel_size", "res_scale", "decoder", "dilations", "causal_kernel",
             "markov_order"),
    "mlp": ("encoder_hidden", "decoder_hidden", "sparsity", "prior_weight", "bayesian_decoder",
            "weight_log_sigma_init", "dictionary", "init"),
}
ALIGNMENT_SETTINGS = ("reweight", "theta", "max_gap_fraction")


def ignored_vae_settings(config: dict, user, alignment: bool) -> list[str]:
    """The settings in ``user`` (those given, not defaults) that a VAE of ``config['arch']`` does not read, and on
    data that is not an alignment (``alignment`` false) the alignment's: a run would otherwise ignore them
    silently (``encoder_hidden`` without ``arch: mlp`` trains the conv VAE)."""
    arch = config.get("arch", "conv")
    unread = [k for a, keys in VAE_ARCH_SETTINGS.items() if a != arch for k in keys]
    unread += [] if alignment else list(ALIGNMENT_SETTINGS)
    return [k for k in user if k in unread]


def merge_config(kind: str, user: dict, source="config") -> tuple[dict, TrainSettings]:
    """Defaults of ``kind`` updated by ``user``; returns (model config, training settings).

    Unknown keys and values of the wrong type are refused with the key named.
    """
    if kind not in KINDS:
        raise SeqgenError(f"unknown model kind {kind!r}; choose one of {', '.join(KINDS)}")
    defaults = {**dataclasses.asdict(TrainSettings()), **DEFAULTS[kind]}  # every engine setting is accepted
    merged = dict(defaults)
    for key, value in user.items():
        if key not in defaults:
            raise SeqgenError(f"unknown setting {key!r} for {kind}; known: {', '.join(sorted(defaults))}", source)
        merged[key] = _checked(key, value, defaults[key], source)
    check_model(kind, merged, source)
    try:
        settings = TrainSettings(**{k: v for k, v in merged.items() if k in SETTINGS_FIELDS})
    except SeqgenError as exc:  # name the file the engine setting came from
        raise SeqgenError(str(exc), source) from None
    if (settings.eval_every or settings.patience) and kind not in VALIDATING:
        raise SeqgenError(f"settings 'eval_every' and 'patience' need a validation split, and {kind} training has "
                          "none (a predictor has)", source)
    config = {k: v for k, v in merged.items() if k not in SETTINGS_FIELDS}
    return config, settings


_DECIMAL, _EXPONENT = r"[-+]?(\d+\.?\d*|\.\d+)", r"[eE][-+]?\d+"
_FLOAT = re.compile(f"{_DECIMAL}({_EXPONENT})?")  #: a number, as a string
_SCIENTIFIC = re.compile(_DECIMAL + _EXPONENT)  #: a number with an exponent (YAML 1.1 wants a dot before it)


def scientific_numbers(value):
    """``value`` with every string in scientific notation without a dot (``1e-4``) made a float, through nested
    mappings and lists.

    YAML 1.2 reads ``1e-4`` as a number; PyYAML and Snakemake's config reader follow YAML 1.1, which wants a dot
    (``1.0e-4``) and keeps ``1e-4`` a string, so a schema asking for a number would refuse what the user wrote.
    """
    if isinstance(value, dict):
        return {k: scientific_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scientific_numbers(v) for v in value]
    if isinstance(value, str) and _SCIENTIFIC.fullmatch(value.strip()):
        return float(value)
    return value

#: settings that take one of a few words: kind -> setting -> the words (the models and recipes name the same)
CHOICES = {
    "vae": {"arch": ("conv", "mlp"), "decoder": ("independent", "autoregressive"),
            "gaps": ("auto", "letter", "missing"), "init": ("torch", "deepsequence")},
    "gan": {},
    "predictor": {"task": ("auto", "regression", "classification"), "transform": ("none", "log"),
                  "strands": ("auto", "forward", "max", "concat"), "padding": ("valid", "full"),
                  "loss": ("mse", "huber")},
}


def _positive_sizes(value) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)


#: settings of any kind that have a range: key -> (accepted, what it must be); the data-dependent limits (a kernel
#: no longer than the sequences, an alphabet's Markov contexts) are checked when the model is built
RANGES = {
    "lr": (lambda v: v > 0, "positive"),
    "weight_decay": (lambda v: v >= 0, "0 or more"),
    "beta1": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "beta2": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "gp_weight": (lambda v: v >= 0, "0 or more"),
    "blocks": (lambda v: v >= 0, "0 or more"),
    "channels": (lambda v: v > 0, "positive"),
    "critic_steps": (lambda v: v > 0, "positive"),
    "latent_dim": (lambda v: v > 0, "positive"),
    "kernel_size": (lambda v: v > 0 and v % 2 == 1, "a positive odd number"),
    "max_wasserstein": (lambda v: v > 0, "positive"),
    "beta": (lambda v: v >= 0, "0 or more"),
    "kl_warmup": (lambda v: v >= 0, "0 or more"),
    "free_bits": (lambda v: v >= 0, "0 or more"),
    "dictionary": (lambda v: v >= 0, "0 or more"),
    "markov_order": (lambda v: v >= 0, "0 or more"),
    "causal_kernel": (lambda v: v >= 2, "at least 2"),
    "dilations": (lambda v: len(v) > 0 and _positive_sizes(v), "a list of positive integers"),
    "encoder_hidden": (_positive_sizes, "a list of positive sizes"),
    "decoder_hidden": (lambda v: len(v) > 0 and _positive_sizes(v), "a list of positive sizes"),
    "prior_weight": (lambda v: v >= 0, "0 or more"),
    "theta": (lambda v: 0 < v < 1, "in (0, 1)"),
    "max_gap_fraction": (lambda v: 0 < v <= 1, "in (0, 1]"),
    "members": (lambda v: v >= 1, "at least 1"),
    "filters": (lambda v: v >= 1, "at least 1"),
    "kernel": (lambda v: v >= 1, "at least 1"),
    "layers": (lambda v: v >= 1, "at least 1"),
    "kernel2": (lambda v: v > 0 and v % 2 == 1, "a positive odd number (same padding)"),
    "dilation": (lambda v: v >= 1, "at least 1"),
    "hidden": (lambda v: v >= 0, "0 or more (0: a linear head)"),
    "pool_bins": (lambda v: v >= 1, "at least 1"),
    "dropout": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "huber_delta": (lambda v: v > 0, "positive"),
    "val_fraction": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "val_chromosomes": (lambda v: all(isinstance(c, (str, int)) and not isinstance(c, bool) and str(c) for c in v),
                        "a list of chromosome names"),
}

#: settings that fit only with others: kind -> (holds, what it needs)
COMBINATIONS = {
    "vae": [
        (lambda c: c["decoder"] != "autoregressive" or c["arch"] == "conv",
         "setting 'decoder: autoregressive' needs 'arch: conv'"),
        (lambda c: c["init"] == "torch" or c["arch"] == "mlp", "setting 'init: deepsequence' needs 'arch: mlp'"),
        (lambda c: not c["markov_order"] or c["decoder"] == "autoregressive",
         "setting 'markov_order' needs 'decoder: autoregressive'"),
        (lambda c: c["gaps"] != "missing" or c["arch"] == "mlp",
         "setting 'gaps: missing' needs 'arch: mlp' and an alignment in the protein-gap alphabet"),
        (lambda c: c["arch"] != "mlp" or not c["sparsity"] or c["decoder_hidden"][-1] % 4 == 0,
         "with 'sparsity', the last of 'decoder_hidden' must be a multiple of 4"),
    ],
}


def check_model(kind: str, merged: dict, source="config") -> None:
    """Refuse, naming the key, a setting of ``kind`` outside its choices or range, or one that does not fit the
    others: every check that needs no data, so that a config fails before any data is read or job runs."""
    for key, words in CHOICES[kind].items():
        if merged[key] not in words:
            raise SeqgenError(f"setting {key!r} must be one of {', '.join(words)}, not {merged[key]!r}", source)
    for key, (accepted, what) in RANGES.items():
        value = merged.get(key)
        if isinstance(value, (int, float, list)) and not isinstance(value, bool) and not accepted(value):
            raise SeqgenError(f"setting {key!r} must be {what}, not {value}", source)
    for holds, needs in COMBINATIONS.get(kind, []):
        if not holds(merged):
            raise SeqgenError(needs, source)


#: engine settings that may be null (off), with a value of the type their other values have
NULLABLE = {"max_time": 0.0, "eval_every": 0, "patience": 0, "ema": 0.0}


def _checked(key, value, default, source):
    """``value`` coerced to the type of ``default`` where that is lossless, else an error naming ``key``; null
    only for a setting that may be off (:data:`NULLABLE`) or has no default."""
    if value is None:
        if default is None or key in NULLABLE:
            return None
        raise SeqgenError(f"setting {key!r} cannot be empty (null): give {_kind(default)}, "
                          f"or leave it out for its default {default!r}", source)
    default = NULLABLE.get(key, default)
    if default is None:
        return value
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _finite(key, float(value), source)
        if isinstance(value, str) and _FLOAT.fullmatch(value.strip()):  # YAML 1.1 reads 1e-4 as a string
            return _finite(key, float(value), source)
    elif isinstance(default, str):
        if isinstance(value, str):
            return value
    elif isinstance(default, (list, tuple)):
        if isinstance(value, (list, tuple)):
            return list(value)
    else:
        return value
    raise SeqgenError(f"setting {key!r} must be {_kind(default)}, not {value!r}", source)


def _finite(key, value: float, source) -> float:
    """``value``, refused when YAML's ``.inf`` or ``.nan`` (a weight of inf failed later as 'training diverged')."""
    if not math.isfinite(value):
        raise SeqgenError(f"setting {key!r} must be a finite number, not {value}", source)
    return value


def _kind(default) -> str:
    """What a value of ``default``'s type is called in an error: 'an integer', 'a number', ..."""
    for kind, name in ((bool, "true or false"), (int, "an integer"), (float, "a number"), (str, "a string"),
                       ((list, tuple), "a list")):
        if isinstance(default, kind):
            return name
    return f"a {type(default).__name__}"
