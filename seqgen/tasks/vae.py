"""VAE training recipe (the conv VAE, and the family VAE of ``arch: mlp``): negative ELBO with KL warm-up, a beta
weight and free bits.

``loss = reconstruction + beta * min(1, step / kl_warmup) * KL_fb`` (per sequence,
averaged over the batch; reconstruction is the categorical cross-entropy summed
over positions, in nats). ``KL_fb = sum_d max(free_bits, mean_batch KL_d)``
(Kingma et al. 2016): with ``free_bits > 0`` (nats per latent dimension) no
dimension is pushed below that much information, which limits posterior
collapse under the autoregressive decoder; ``free_bits: 0`` is the plain KL.
Logged: loss, reconstruction, KL (the plain one), the KL weight and the ELBO
(``-(reconstruction + KL)``, the bound on ``log p(x)``).

``decoder: independent`` (per-position logits given ``z``) or ``autoregressive``
(:mod:`seqgen.models.autoregressive`; ``dilations`` and ``causal_kernel`` shape
its causal stack, ``blocks`` its ``z`` tower; ``markov_order: m > 0`` adds the
log-probabilities of an order-``m`` Markov chain counted on the training set to
its logits, :mod:`seqgen.models.markov`), both for ``arch: conv``.

``arch: mlp`` trains the family VAE (:class:`~seqgen.models.family_vae.FamilyVAE`)
on a protein alignment: when the data came from an alignment (``meta`` has
``focus_positions``), sequences with more than ``max_gap_fraction`` gaps are
dropped (the focus sequence is always kept), each sequence is weighted by
1 / (its neighbours above ``1 - theta`` identity) and batches are drawn with
those weights (``reweight``); the effective number of sequences (``neff``, the
sum of the weights) is stored in ``model.pt`` with the focus sequence, its
numbering and a site-independent model's log-frequencies (so that
``seqgen score-mutants`` needs only the model). With MAP decoder weights
(``bayesian_decoder: false``) the MLP's decoder prior, ``neg_log_prior / neff``,
is added to the loss; with ``bayesian_decoder: true`` (the default since it
measured better on BLAT_ECOLX at 2,000 and 6,000 steps; DeepSequence's variational
decoder: a Gaussian posterior over every decoder parameter, one reparameterized
draw per training step, log-sigmas initialized at ``weight_log_sigma_init``) it is
``KL(q(w) || p(w)) / neff``, logged as ``weight_kl`` (not annealed by
``kl_warmup``). ``prior_weight`` scales either. ``gaps: missing`` treats gaps as
missing data (DeepSequence) instead of a letter (``letter``); ``auto`` (the default) is
``missing`` for ``arch: mlp`` on an alignment, ``letter`` otherwise, and ``model.pt`` stores
the resolved value. The logged ``elbo`` is the batch's
``-(reconstruction + KL(q(z|x)))``, under the step's weight draw.
"""
from __future__ import annotations

import sys

import numpy as np
import torch

from seqgen.data import SequenceSet
from seqgen.device import DeviceData
from seqgen.errors import SeqgenError
from seqgen.models.family_vae import FamilyVAE
from seqgen.models.vae import VAE, ConvVAE
from seqgen.protein import GAP
from seqgen.settings import DEFAULTS as SETTINGS
from seqgen.training import Context, Task

DEFAULTS = SETTINGS["vae"]


def build_vae(config: dict, alphabet_size: int, length: int) -> VAE:
    """The VAE described by ``config`` (untrained)."""
    if config.get("gaps") == "auto":
        raise ValueError("build_vae needs 'gaps' resolved (resolve_gaps), not 'auto'")
    if config.get("arch", "conv") == "mlp":
        return FamilyVAE(alphabet_size, length, config["latent_dim"], config["encoder_hidden"],
                         config["decoder_hidden"], config["sparsity"],
                         bayesian=config.get("bayesian_decoder", False),  # absent from older checkpoints
                         log_sigma_init=config.get("weight_log_sigma_init", -5.0),
                         dictionary=int(config.get("dictionary", 0)),  # absent from older checkpoints
                         missing=GAP if config.get("gaps", "letter") == "missing" else None,
                         init=config.get("init", "torch"))  # absent from older checkpoints
    return ConvVAE(alphabet_size, length, config["latent_dim"], config["channels"], config["blocks"],
                   config["kernel_size"], config["res_scale"], config.get("decoder", "independent"),
                   config.get("dilations", DEFAULTS["dilations"]), config.get("causal_kernel", 3),
                   int(config.get("markov_order", 0)))  # absent from older checkpoints


def load_model(payload: dict) -> VAE:
    """The trained VAE of a ``vae`` checkpoint payload (see :func:`seqgen.checkpoint.load_checkpoint`)."""
    from seqgen.alphabets import get_alphabet

    model = build_vae(payload["config"], get_alphabet(payload["alphabet"]).size, int(payload["length"]))
    model.load_state_dict(payload["state_dict"]["vae"])
    return model.eval()


class VaeTask(Task):
    kind = "vae"

    def __init__(self, config: dict, data: DeviceData, family: dict | None = None):
        super().__init__(config, data)
        self.vae = build_vae(config, data.alphabet_size, data.length)
        if self.vae.autoregressive:
            self.vae.decoder.fit_markov(data.codes)  # the training set's chain (a no-op at markov_order 0)
        self.family = family
        self.model_extra = {"family": family} if family else None
        self.prior_scale = config["prior_weight"] / (family["neff"] if family else len(data))

    def modules(self):
        return {"vae": self.vae}

    def prepare(self, ctx: Context) -> None:
        self.net = ctx.wrap(self.vae)
        self.opt = ctx.adam(self.net.parameters(), self.config["lr"], weight_decay=self.config["weight_decay"])

    def optimizers(self):
        return {"vae": self.opt}

    def kl_weight(self, step: int) -> float:
        warmup = self.config["kl_warmup"]
        return self.config["beta"] * (min(1.0, step / warmup) if warmup > 0 else 1.0)

    def train_step(self, step: int, ctx: Context) -> dict[str, torch.Tensor]:
        x, _ = self.data.batch(ctx.settings.batch_size, ctx.generator)
        with ctx.autocast():
            logits, mu, log_sigma = self.net(x, ctx.generator)
        recon = self.vae.reconstruction(x, logits).mean()
        kl_dims = ConvVAE.kl_per_dim(mu, log_sigma).mean(0)  # (D,)
        kl = kl_dims.sum()
        weight = self.kl_weight(step)
        free_bits = self.config["free_bits"]
        loss = recon + weight * (kl_dims.clamp(min=free_bits).sum() if free_bits > 0 else kl)
        metrics = {}
        if isinstance(self.vae, FamilyVAE) and self.config["prior_weight"]:
            if self.vae.bayesian:
                prior = self.vae.weight_kl() * self.prior_scale
                metrics["weight_kl"] = prior.detach()
            else:
                prior = self.vae.neg_log_prior() * self.prior_scale
                metrics["prior"] = prior.detach()
            loss = loss + prior
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return {"loss": loss.detach(), "reconstruction": recon.detach(), "kl": kl.detach(),
                "kl_weight": torch.tensor(weight), "elbo": -(recon + kl).detach(), **metrics}


def resolve_gaps(config: dict, alphabet: str) -> str:
    """``gaps: auto`` is ``missing`` for the family VAE (``arch: mlp``) on the protein-gap alphabet
    (DeepSequence's encoding; it measured better on BLAT_ECOLX) and ``letter`` otherwise."""
    if config["gaps"] != "auto":
        return config["gaps"]
    return "missing" if config["arch"] == "mlp" and alphabet == "protein-gap" else "letter"


def make_task(config: dict, data: SequenceSet, device: torch.device) -> tuple[VaeTask, DeviceData]:
    """The VAE task of ``config`` (checked by :func:`seqgen.settings.check_model`) on ``data``, and the data on
    ``device``; an alignment's sequences are filtered and weighted first (:func:`prepare_alignment`)."""
    config = {**config, "gaps": resolve_gaps(config, data.alphabet.name)}  # model.pt stores the resolved value
    if config["gaps"] == "missing" and data.alphabet.name != "protein-gap":
        raise SeqgenError("setting 'gaps: missing' needs 'arch: mlp' and an alignment in the protein-gap alphabet")
    if (data.alphabet.size + 1) ** config["markov_order"] > 2 ** 22:
        raise SeqgenError(f"setting 'markov_order' {config['markov_order']} is too large for the "
                          f"{data.alphabet.size}-letter alphabet (more than 4 million contexts)")
    if len(data) == 0:
        raise SeqgenError("the data set is empty")
    family, weights = None, None
    if "focus_positions" in data.meta:
        if data.alphabet.name != "protein-gap":
            raise SeqgenError(f"an alignment is trained in the protein-gap alphabet, not {data.alphabet.name}; "
                              "encode it with --alphabet protein-gap")
        data, weights, family = prepare_alignment(data, config, device)
    device_data = DeviceData(data, device, weights if config["reweight"] else None)
    return VaeTask(config, device_data, family), device_data


def prepare_alignment(data: SequenceSet, config: dict, device) -> tuple[SequenceSet, np.ndarray, dict]:
    """Gap filter, sequence weights and the family summary stored in ``model.pt``.

    Returns the kept sequences, their ``(N,)`` weights and a dict: ``neff``, ``n_sequences``,
    ``n_dropped_gaps``, ``theta``, ``focus_id``, ``focus_codes`` and ``focus_positions`` (lists),
    ``site_log_freq`` (``(A, L)`` tensor: the weighted site-independent model).
    """
    from seqgen.protein import GAP, SiteIndependentModel, sequence_weights

    focus = data.meta.get("focus_id")
    if focus is not None and len(data) and str(data.ids[0]) != focus:  # a subset made without keeping it first
        raise SeqgenError(f"the alignment's focus sequence {focus!r} is not its first row ({str(data.ids[0])!r}): "
                          f"a family VAE's wild type is its first row (a subset of the alignment without its focus?)",
                          data.path)
    gaps = (data.codes == GAP).mean(1)
    keep = gaps <= config["max_gap_fraction"]
    keep[0] = True  # the focus sequence
    data = data.subset(np.flatnonzero(keep))
    weights = sequence_weights(data.codes, config["theta"], device, progress=True) if config["reweight"] else \
        np.ones(len(data), np.float32)
    neff = float(weights.sum())
    print(f"alignment: {len(data)} sequences ({int((~keep).sum())} with more than "
          f"{config['max_gap_fraction']:.0%} gaps dropped), effective number {neff:.1f} at theta {config['theta']}",
          file=sys.stderr)
    family = {"neff": neff, "n_sequences": len(data), "n_dropped_gaps": int((~keep).sum()),
              "theta": config["theta"], "focus_id": str(data.meta.get("focus_id", data.ids[0])),
              "focus_codes": data.codes[0].tolist(), "focus_positions": list(data.meta["focus_positions"]),
              "focus_start": data.meta.get("focus_start"), "focus_residues": data.meta.get("focus_residues"),
              "site_log_freq": torch.from_numpy(SiteIndependentModel(data, weights).log_freq.astype(np.float32))}
    return data, weights, family
