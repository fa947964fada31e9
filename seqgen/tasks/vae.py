"""Conv VAE training recipe: negative ELBO with KL warm-up and a beta weight.

``loss = reconstruction + beta * min(1, step / kl_warmup) * KL`` (per sequence,
averaged over the batch; reconstruction is the categorical cross-entropy summed
over positions, in nats). Logged: loss, reconstruction, KL, the KL weight and
the ELBO (``-(reconstruction + KL)``, the bound on ``log p(x)``).
"""
from __future__ import annotations

import torch

from seqgen.data import SequenceSet
from seqgen.device import DeviceData
from seqgen.errors import SeqgenError
from seqgen.models.vae import ConvVAE
from seqgen.training import Context, Task

DEFAULTS = {
    "latent_dim": 32, "channels": 64, "blocks": 3, "kernel_size": 5, "res_scale": 0.3,
    "lr": 1e-3, "weight_decay": 0.0, "beta": 1.0, "kl_warmup": 1000,
    "steps": 5000, "batch_size": 128, "checkpoint_every": 500, "log_every": 20,
}


def build_vae(config: dict, alphabet_size: int, length: int) -> ConvVAE:
    """The VAE described by ``config`` (untrained)."""
    return ConvVAE(alphabet_size, length, config["latent_dim"], config["channels"], config["blocks"],
                   config["kernel_size"], config["res_scale"])


def load_model(payload: dict) -> ConvVAE:
    """The trained VAE of a ``vae`` checkpoint payload (see :func:`seqgen.checkpoint.load_checkpoint`)."""
    from seqgen.alphabets import get_alphabet

    model = build_vae(payload["config"], get_alphabet(payload["alphabet"]).size, int(payload["length"]))
    model.load_state_dict(payload["state_dict"]["vae"])
    return model.eval()


class VaeTask(Task):
    kind = "vae"

    def __init__(self, config: dict, data: DeviceData):
        super().__init__(config, data)
        self.vae = build_vae(config, data.alphabet_size, data.length)

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
        recon = ConvVAE.reconstruction(x, logits).mean()
        kl = ConvVAE.kl(mu, log_sigma).mean()
        weight = self.kl_weight(step)
        loss = recon + weight * kl
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return {"loss": loss.detach(), "reconstruction": recon.detach(), "kl": kl.detach(),
                "kl_weight": torch.tensor(weight), "elbo": -(recon + kl).detach()}


def make_task(config: dict, data: SequenceSet, device: torch.device) -> tuple[VaeTask, DeviceData]:
    for key in ("latent_dim", "channels", "kernel_size"):
        if config[key] <= 0:
            raise SeqgenError(f"setting {key!r} must be positive, not {config[key]}")
    if config["kernel_size"] % 2 == 0:
        raise SeqgenError(f"setting 'kernel_size' must be odd, not {config['kernel_size']}")
    if config["beta"] < 0 or config["kl_warmup"] < 0:
        raise SeqgenError("settings 'beta' and 'kl_warmup' must not be negative")
    if len(data) == 0:
        raise SeqgenError("the data set is empty")
    device_data = DeviceData(data, device)
    return VaeTask(config, device_data), device_data
