"""WGAN-GP training recipe (Killoran et al. 2017; defaults from their code).

One engine step is one generator update after ``critic_steps`` critic updates.
Each critic update scores a real batch, a generated batch and random
interpolates between them in a single forward pass; the gradient penalty is
``gp_weight * (||grad_x critic(x_hat)|| - 1)^2`` with the norm over the whole
``(A, L)`` input and a uniform mixing weight per sequence. Logged: critic and
generator losses, the Wasserstein estimate ``E critic(real) - E critic(fake)``
and the gradient penalty.
"""
from __future__ import annotations

import torch

from seqgen.data import SequenceSet
from seqgen.device import DeviceData
from seqgen.errors import SeqgenError
from seqgen.models.gan import Critic, Generator
from seqgen.settings import DEFAULTS as SETTINGS
from seqgen.training import Context, Task, TrainingDiverged

DEFAULTS = SETTINGS["gan"]


def build_generator(config: dict, alphabet_size: int, length: int) -> Generator:
    """The generator described by ``config`` (untrained)."""
    return Generator(alphabet_size, length, config["latent_dim"], config["channels"], config["blocks"],
                     config["kernel_size"], config["res_scale"])


def build_critic(config: dict, alphabet_size: int, length: int) -> Critic:
    return Critic(alphabet_size, length, config["channels"], config["blocks"], config["kernel_size"],
                  config["res_scale"])


def load_model(payload: dict) -> Generator:
    """The trained generator of a ``gan`` checkpoint payload (see :func:`seqgen.checkpoint.load_checkpoint`)."""
    from seqgen.alphabets import get_alphabet

    model = build_generator(payload["config"], get_alphabet(payload["alphabet"]).size, int(payload["length"]))
    model.load_state_dict(payload["state_dict"]["generator"])
    return model.eval()


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator, autocast):
    """Critic scores of ``real`` and ``fake`` ``(B, A, L)`` and the gradient penalty on random interpolates.

    Returns ``(d_real (B,), d_fake (B,), gp ())``; one forward pass over the three batches.
    """
    b = real.shape[0]
    alpha = torch.rand((b, 1, 1), device=real.device, generator=generator)
    interp = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    with autocast():
        scores = critic(torch.cat([real, fake, interp])).float()
    d_real, d_fake, d_interp = scores.split(b)
    (grad,) = torch.autograd.grad(d_interp.sum(), interp, create_graph=True)
    gp = (grad.float().flatten(1).norm(dim=1) - 1).pow(2).mean()
    return d_real, d_fake, gp


class GanTask(Task):
    kind = "gan"

    def __init__(self, config: dict, data: DeviceData):
        super().__init__(config, data)
        self.generator = build_generator(config, data.alphabet_size, data.length)
        self.critic = build_critic(config, data.alphabet_size, data.length)

    def modules(self):
        return {"generator": self.generator, "critic": self.critic}

    def prepare(self, ctx: Context) -> None:
        c = self.config
        self.gen_net = ctx.wrap(self.generator)
        self.critic_net = ctx.wrap(self.critic, compile=False)
        self.opt_g = ctx.adam(self.gen_net.parameters(), c["lr"], (c["beta1"], c["beta2"]))
        self.opt_c = ctx.adam(self.critic_net.parameters(), c["lr"], (c["beta1"], c["beta2"]))

    def optimizers(self):
        return {"generator": self.opt_g, "critic": self.opt_c}

    def _noise(self, ctx: Context) -> torch.Tensor:
        return torch.randn((ctx.settings.batch_size, self.config["latent_dim"]), device=ctx.device,
                           generator=ctx.generator)

    def critic_step(self, ctx: Context) -> dict[str, torch.Tensor]:
        real, _ = self.data.batch(ctx.settings.batch_size, ctx.generator)
        with torch.no_grad(), ctx.autocast():
            fake = self.gen_net(self._noise(ctx)).float()
        d_real, d_fake, gp = gradient_penalty(self.critic_net, real, fake, ctx.generator, ctx.autocast)
        wasserstein = d_real.mean() - d_fake.mean()
        loss = -wasserstein + self.config["gp_weight"] * gp
        self.opt_c.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_c.step()
        return {"critic_loss": loss.detach(), "wasserstein": wasserstein.detach(), "gradient_penalty": gp.detach()}

    def generator_step(self, ctx: Context) -> torch.Tensor:
        self.critic.requires_grad_(False)  # no critic weight gradients here (the unwrapped critic: no DDP sync)
        try:
            with ctx.autocast():
                loss = -self.critic(self.gen_net(self._noise(ctx))).float().mean()
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
            self.opt_g.step()
        finally:
            self.critic.requires_grad_(True)
        return loss.detach()

    def train_step(self, step: int, ctx: Context) -> dict[str, torch.Tensor]:
        for _ in range(self.config["critic_steps"]):
            metrics = self.critic_step(ctx)
        metrics["generator_loss"] = self.generator_step(ctx)
        return metrics

    def check(self, metrics: dict[str, float], step: int) -> None:
        if abs(metrics["wasserstein"]) > self.config["max_wasserstein"]:
            raise TrainingDiverged(f"training diverged by step {step} (checked on logged steps): the Wasserstein "
                                   f"estimate {metrics['wasserstein']:.3g} exceeds max_wasserstein "
                                   f"{self.config['max_wasserstein']:g}")

    def sequences_per_step(self, settings) -> int:
        """Real sequences scored per step (one batch per critic update)."""
        return settings.batch_size * self.config["critic_steps"]


def make_task(config: dict, data: SequenceSet, device: torch.device) -> tuple[GanTask, DeviceData]:
    """The WGAN-GP task of ``config`` (checked by :func:`seqgen.settings.check_model`) on ``data``, and the data on
    ``device``."""
    if len(data) == 0:
        raise SeqgenError("the data set is empty")
    device_data = DeviceData(data, device)
    return GanTask(config, device_data), device_data
