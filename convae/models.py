"""The networks of the book: Encoder, Decoder, Autoencoder and Classifier; a dense autoencoder and
a variational one built from the same Encoder and Decoder.

Layer names and shapes follow the project's specification exactly, so a ``state_dict`` saved from
the specification's classes loads into these (``strict=True``) and back. What is added changes no
weight: pooling as a module, ``latent_dim`` passed through, cheap shape checks on the input, and
``config()``, the constructor arguments a checkpoint stores to rebuild the network.
"""

from __future__ import annotations

import torch
from torch import nn

from ._internal.checks import whole_number

IMAGE_SHAPE = (1, 28, 28)  # (C, H, W) of every input image
FEATURE_SHAPE = (64, 3, 3)  # (C, H, W) just before the encoder's `fc` / after the decoder's `fc`
FEATURE_SIZE = 64 * 3 * 3  # 576 numbers


def _check_batch(x: torch.Tensor, expected: tuple[int, ...], what: str) -> None:
    """Raise a ValueError unless `x` is a float batch of shape (B, *expected) (shape and dtype only)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{what} expects a torch.Tensor, got {type(x).__name__}")
    if x.dim() != len(expected) + 1 or tuple(x.shape[1:]) != expected:
        wanted = "(B, " + ", ".join(str(n) for n in expected) + ")"
        raise ValueError(f"{what} expects a batch of shape {wanted}, got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise ValueError(f"{what} expects a floating-point tensor, got dtype {x.dtype}")


class LatentNetwork(nn.Module):
    """A network built from one number, `latent_dim`: what `config()` returns to rebuild it."""

    latent_dim: int

    def config(self) -> dict[str, int]:
        """The constructor arguments that rebuild this network (what a checkpoint stores)."""
        return {"latent_dim": self.latent_dim}


class Encoder(LatentNetwork):
    """Compresses a (B, 1, 28, 28) image batch into (B, latent_dim) codes."""

    def __init__(self, latent_dim: int = 12) -> None:
        super().__init__()
        self.latent_dim = whole_number(latent_dim, "Encoder's latent_dim")
        self.conv1 = nn.Conv2d(1, 16, kernel_size=5, stride=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, stride=1, padding=1)
        self.conv3 = nn.Conv2d(32, 64, kernel_size=3, stride=2, padding=1)
        self.fc = nn.Linear(FEATURE_SIZE, latent_dim)
        self.relu = nn.ReLU(inplace=True)  # overwrites the conv output instead of copying it
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_batch(x, IMAGE_SHAPE, "Encoder")  # (B, 1, 28, 28)
        x = self.relu(self.conv1(x))  # (B, 16, 24, 24)
        x = self.pool(x)  # (B, 16, 12, 12)
        x = self.relu(self.conv2(x))  # (B, 32, 12, 12)
        x = self.pool(x)  # (B, 32, 6, 6)
        x = self.relu(self.conv3(x))  # (B, 64, 3, 3)
        x = torch.flatten(x, 1)  # (B, 576)
        return self.fc(x)  # (B, latent_dim)


class Decoder(LatentNetwork):
    """Expands (B, latent_dim) codes back into (B, 1, 28, 28) images with values in (0, 1)."""

    def __init__(self, latent_dim: int = 12) -> None:
        super().__init__()
        self.latent_dim = whole_number(latent_dim, "Decoder's latent_dim")
        self.fc = nn.Linear(latent_dim, FEATURE_SIZE)
        self.deconv1 = nn.ConvTranspose2d(64, 32, kernel_size=3, stride=2, padding=1, output_padding=1)
        self.deconv2 = nn.ConvTranspose2d(32, 16, kernel_size=3, stride=2, padding=1, output_padding=1)
        self.deconv3 = nn.ConvTranspose2d(16, 1, kernel_size=5, stride=2, output_padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.sigmoid = nn.Sigmoid()

    def forward(self, z: torch.Tensor, *, check: bool = True) -> torch.Tensor:
        if check:  # an Autoencoder passes check=False: its own encoder made z
            _check_batch(z, (self.latent_dim,), "Decoder")  # (B, latent_dim)
        x = self.fc(z)  # (B, 576)
        x = x.view(-1, *FEATURE_SHAPE)  # (B, 64, 3, 3)
        x = self.relu(self.deconv1(x))  # (B, 32, 6, 6)
        x = self.relu(self.deconv2(x))  # (B, 16, 12, 12)
        return self.sigmoid(self.deconv3(x))  # (B, 1, 28, 28)


class Autoencoder(LatentNetwork):
    """An Encoder followed by a Decoder: image -> latent code -> reconstructed image."""

    def __init__(self, latent_dim: int = 12) -> None:
        super().__init__()
        self.latent_dim = whole_number(latent_dim, "Autoencoder's latent_dim")
        self.encoder = Encoder(latent_dim)
        self.decoder = Decoder(latent_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.encoder(x)  # (B, latent_dim); the encoder checks x
        return self.decoder(z, check=False)  # (B, 1, 28, 28)


class VAE(LatentNetwork):
    """A variational autoencoder: the Encoder asked for 2 × latent_dim numbers, the mean μ and the
    log-variance log σ² of a Gaussian over codes, and the Decoder unchanged.

    The attribute names are the Autoencoder's, so `encoder` loads into an Encoder(2 × latent_dim)
    and `decoder` into a Decoder(latent_dim) of the specification.
    """

    def __init__(self, latent_dim: int = 12) -> None:
        super().__init__()
        self.latent_dim = whole_number(latent_dim, "VAE's latent_dim")
        self.encoder = Encoder(2 * latent_dim)
        self.decoder = Decoder(latent_dim)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(μ, log σ²) of q(z | x), each (B, latent_dim)."""
        h = self.encoder(x)  # (B, 2 * latent_dim); the encoder checks x
        mu, logvar = h.chunk(2, dim=1)  # (B, latent_dim) each
        return mu, logvar

    @staticmethod
    def reparameterize(
        mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """A draw z = μ + σ ⊙ ε with ε ~ N(0, I): random, yet differentiable in μ and log σ²."""
        eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype).to(mu.device)  # (B, latent_dim)
        return mu + torch.exp(0.5 * logvar) * eps  # (B, latent_dim)

    def forward(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(reconstruction (B, 1, 28, 28), μ, log σ²) for one draw of z per image."""
        mu, logvar = self.encode(x)  # (B, latent_dim) each
        z = self.reparameterize(mu, logvar, generator)  # (B, latent_dim)
        return self.decoder(z, check=False), mu, logvar

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """`n` new images, decoded from codes drawn from the prior N(0, I): (n, 1, 28, 28)."""
        device = next(self.parameters()).device
        z = torch.randn(whole_number(n, "n"), self.latent_dim, generator=generator).to(device)  # (n, latent_dim)
        return self.decoder(z)  # (n, 1, 28, 28)


class Classifier(LatentNetwork):
    """An Encoder (pretrained via `tuning_encoder`, or fresh) topped by a two-layer head."""

    def __init__(
        self,
        latent_dim: int = 12,
        num_classes: int = 10,
        tuning_encoder: Encoder | None = None,
    ) -> None:
        super().__init__()
        whole_number(latent_dim, "Classifier's latent_dim")
        whole_number(num_classes, "Classifier's num_classes")
        if tuning_encoder is not None and not isinstance(tuning_encoder, nn.Module):
            raise TypeError(f"tuning_encoder must be an Encoder, got {type(tuning_encoder).__name__}")
        if tuning_encoder is not None and getattr(tuning_encoder, "latent_dim", None) != latent_dim:
            raise ValueError(
                f"tuning_encoder has latent_dim {getattr(tuning_encoder, 'latent_dim', None)}, "
                f"but the Classifier was asked for latent_dim {latent_dim}"
            )
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        self.encoder = tuning_encoder if tuning_encoder is not None else Encoder(latent_dim)
        self.fc1 = nn.Linear(latent_dim, 64)
        self.fc2 = nn.Linear(64, num_classes)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.encoder(x)  # (B, latent_dim)
        return self.head(z)  # (B, num_classes) logits

    def head(self, z: torch.Tensor) -> torch.Tensor:
        """The head alone, on (B, latent_dim) codes: what a frozen encoder's classifier trains."""
        h = self.relu(self.fc1(z))  # (B, 64)
        return self.fc2(h)  # (B, num_classes) logits

    def config(self) -> dict[str, int]:
        """The constructor arguments that rebuild this network (what a checkpoint stores).

        A `tuning_encoder` is not among them: its weights are part of the Classifier's own.
        """
        return {"latent_dim": self.latent_dim, "num_classes": self.num_classes}


class DenseAutoencoder(LatentNetwork):
    """The autoencoder without convolutions, for comparison: 784 -> hidden -> latent -> hidden -> 784.

    Every pixel connects to every hidden unit, so nothing tells the network that neighbouring
    pixels belong together, and no weight is shared between places in the image.
    """

    def __init__(self, latent_dim: int = 12, hidden: int = 38) -> None:
        super().__init__()
        self.latent_dim = whole_number(latent_dim, "DenseAutoencoder's latent_dim")
        self.hidden = whole_number(hidden, "DenseAutoencoder's hidden")
        pixels = IMAGE_SHAPE[1] * IMAGE_SHAPE[2]  # 784
        self.encoder = nn.Sequential(
            nn.Flatten(), nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, latent_dim)
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, pixels), nn.Sigmoid(),
            nn.Unflatten(1, IMAGE_SHAPE),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_batch(x, IMAGE_SHAPE, "DenseAutoencoder")  # (B, 1, 28, 28)
        z = self.encoder(x)  # (B, latent_dim)
        return self.decoder(z)  # (B, 1, 28, 28)

    def config(self) -> dict[str, int]:
        """The constructor arguments that rebuild this network (what a checkpoint stores)."""
        return {"latent_dim": self.latent_dim, "hidden": self.hidden}


def count_parameters(model: nn.Module) -> int:
    """Number of trainable numbers in `model`."""
    return sum(p.numel() for p in model.parameters())


def flops_by_layer(model: nn.Module) -> dict[str, int]:
    """Floating-point operations of one forward pass on one image, layer by layer (by name),
    counting each multiply-add of the convolutions and linear layers as two (activations and
    pooling are left out)."""
    flops: dict[str, int] = {}

    def count(name: str, layer: nn.Module, inputs: tuple[torch.Tensor], output: torch.Tensor) -> None:
        if isinstance(layer, nn.Linear):
            flops[name] = 2 * layer.in_features * layer.out_features
        elif isinstance(layer, nn.Conv2d):  # each output number sums C_in × kH × kW products
            flops[name] = 2 * output.numel() * layer.in_channels * layer.kernel_size[0] * layer.kernel_size[1]
        elif isinstance(layer, nn.ConvTranspose2d):  # each input number is stamped on C_out × kH × kW
            flops[name] = 2 * inputs[0].numel() * layer.out_channels * layer.kernel_size[0] * layer.kernel_size[1]

    layers = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)
    hooks = [module.register_forward_hook(lambda m, i, o, name=name: count(name, m, i, o))
             for name, module in model.named_modules() if isinstance(module, layers)]
    try:
        with torch.no_grad():
            model(torch.zeros(1, *IMAGE_SHAPE))  # (1, 1, 28, 28)
    finally:
        for hook in hooks:
            hook.remove()
    return flops


def forward_flops(model: nn.Module) -> int:
    """Floating-point operations of one forward pass on one image: the sum of `flops_by_layer`."""
    return sum(flops_by_layer(model).values())
