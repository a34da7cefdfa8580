"""The building exercises' checks name the mistakes students make: each typical wrong answer gets
its own message, and none of them passes."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Normal

import convae
from convae import lab


def log_likelihood_with(mistake: str):
    """Exercise 8.4's answer, right (mistake "") or with one typical mistake."""

    def log_likelihood(vae, images, k, generator):
        mu, logvar = vae.encode(images)  # (B, latent)
        sigma = (0.5 * logvar).exp()
        z = mu + sigma * torch.randn((k, *mu.shape), generator=generator)  # (k, B, latent)
        log_q = Normal(mu, sigma).log_prob(z).sum(dim=2)  # (k, B)
        log_prior = Normal(0.0, 1.0).log_prob(z).sum(dim=2)
        probabilities = vae.decoder(z.flatten(0, 1)).view(k, *images.shape)
        log_px = -F.binary_cross_entropy(probabilities, images.expand_as(probabilities),
                                         reduction="none").flatten(2).sum(dim=2)  # (k, B)
        log_weights = log_px + log_prior - log_q
        if mistake == "mean of the log-weights":
            return log_weights.mean(dim=0)
        if mistake == "no log k":
            return torch.logsumexp(log_weights, dim=0)
        if mistake == "weights averaged directly":
            return log_weights.exp().mean(dim=0).log()
        if mistake == "one number":
            return (torch.logsumexp(log_weights, dim=0) - math.log(k)).mean()
        return torch.logsumexp(log_weights, dim=0) - math.log(k)

    return log_likelihood


def test_the_importance_sampled_estimate_passes_only_when_right():
    assert lab.evaluate("08-log-likelihood", log_likelihood_with(""))[0]


@pytest.mark.parametrize("mistake, told", [
    ("mean of the log-weights", "the mean of the log-weights, the ELBO"),
    ("no log k", "log k = 7.6 nats above"),
    ("weights averaged directly", "is 0 in floating point"),
    ("one number", "one estimate per image"),
])
def test_the_importance_sampled_estimate_names_each_mistake(mistake, told):
    passed, message = lab.evaluate("08-log-likelihood", log_likelihood_with(mistake))
    assert not passed and told in message and "Hint:" in message


def vae_step_with(mistake: str):
    """Exercise 8.5's answer, right (mistake "") or with one typical mistake."""

    def vae_step(vae, images, optimizer, generator):
        if mistake == "decodes mu":  # no draw of z, and no KL: log σ² never matters
            mu, _ = vae.encode(images)
            loss = convae.vae_loss(vae.decoder(mu), images, mu, torch.zeros_like(mu))[1]
        else:
            reconstruction, mu, logvar = vae(images, generator)
            loss = convae.vae_loss(reconstruction, images, mu, logvar)[0]
        if mistake != "no zero_grad":
            optimizer.zero_grad()
        loss.backward()
        if mistake != "no step":
            optimizer.step()
        return loss.item()

    return vae_step


def test_the_vae_step_passes_only_when_right():
    assert lab.evaluate("08-vae-step", vae_step_with(""))[0]


@pytest.mark.parametrize("mistake, told", [
    ("no zero_grad", "used the first step's gradient as well"),
    ("no step", "the weights did not change"),
    ("decodes mu", "log σ² half did not change"),
])
def test_the_vae_step_names_each_mistake(mistake, told):
    passed, message = lab.evaluate("08-vae-step", vae_step_with(mistake))
    assert not passed and told in message and "Hint:" in message


def precision_with(mistake: str):
    """Exercise 9.1's answer, right (mistake "") or with one typical mistake."""

    def precision(features, reference, k):
        if mistake == "balls around the samples":
            features, reference = reference, features
        neighbour = k if mistake == "itself as a neighbour" else k + 1
        radii = torch.cdist(reference, reference).kthvalue(neighbour, dim=1).values  # (N,)
        return (torch.cdist(features, reference) <= radii).any(dim=1).float().mean().item()

    return precision


def test_precision_passes_only_when_right():
    assert lab.evaluate("09-precision", precision_with(""))[0]


@pytest.mark.parametrize("mistake, told", [
    ("itself as a neighbour", "each radius reaches only the 2nd neighbour"),
    ("balls around the samples", "points next to real ones get precision"),
])
def test_precision_names_each_mistake(mistake, told):
    passed, message = lab.evaluate("09-precision", precision_with(mistake))
    assert not passed and told in message and "Hint:" in message


def encoder_with(mistake: str):
    """Exercise 1.3's Encoder class, right (mistake "") or with one typical mistake."""

    class MyEncoder(nn.Module):
        def __init__(self, latent_dim=12):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, kernel_size=5)
            self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=0 if mistake == "no padding" else 1)
            self.conv3 = nn.Conv2d(32, 64, kernel_size=3, stride=2, padding=1)
            self.pool = nn.MaxPool2d(2)
            linear = nn.Linear(64 * 3 * 3, latent_dim)
            if mistake == "other names":
                self.linear = linear
            else:
                self.fc = linear

        def forward(self, x):
            x = self.conv1(x) if mistake == "no ReLU" else torch.relu(self.conv1(x))
            x = x if mistake == "no pooling" else self.pool(x)
            x = self.pool(torch.relu(self.conv2(x)))
            x = torch.relu(self.conv3(x))
            return (self.linear if mistake == "other names" else self.fc)(x.flatten(1))

    return MyEncoder


def test_the_encoder_module_passes_only_when_right():
    assert lab.evaluate("01-encoder-module", encoder_with(""))[0]


@pytest.mark.parametrize("mistake, told", [
    ("no pooling", "conv2 gives (32, 24, 24) per image, expected (32, 12, 12)"),
    ("no padding", "conv2 gives (32, 10, 10) per image"),
    ("no ReLU", "your codes differ from the Encoder's"),
    ("other names", "no layer named fc"),
])
def test_the_encoder_module_names_each_mistake(mistake, told):
    passed, message = lab.evaluate("01-encoder-module", encoder_with(mistake))
    assert not passed and told in message and "Hint:" in message


def edge_decoder_with(mistake: str):
    """Exercise 2.3's decoder, right (mistake "") or with one typical mistake."""

    class EdgeDecoder(nn.Module):
        def __init__(self, latent_dim=12):
            super().__init__()
            self.fc = nn.Linear(latent_dim, 576)
            self.deconv1 = nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1)
            self.deconv2 = nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1)
            self.deconv3 = nn.ConvTranspose2d(16, 1, 5, stride=2, output_padding=1)  # the book's, dead edge
            self.conv = nn.Conv2d(16, 1, kernel_size=5, padding=2)

        def forward(self, z):
            x = torch.relu(self.deconv2(torch.relu(self.deconv1(self.fc(z).view(-1, 64, 3, 3)))))  # (B, 16, 12, 12)
            if mistake == "the book's last layer":
                return torch.sigmoid(self.deconv3(x))
            size = (24, 24) if mistake == "resized to 24" else (28, 28)
            x = self.conv(F.interpolate(x, size=size, mode="bilinear"))  # (B, 1, 28, 28)
            return x if mistake == "no Sigmoid" else torch.sigmoid(x)

    return EdgeDecoder


def test_the_edge_decoder_passes_only_when_right():
    assert lab.evaluate("02-edge-decoder", edge_decoder_with(""))[0]


@pytest.mark.parametrize("mistake, told", [
    ("the book's last layer", "the last row and column: the same grey whatever the code"),
    ("resized to 24", "expected (64, 1, 28, 28)"),
    ("no Sigmoid", "expected [0, 1]"),
])
def test_the_edge_decoder_names_each_mistake(mistake, told):
    passed, message = lab.evaluate("02-edge-decoder", edge_decoder_with(mistake))
    assert not passed and told in message and "Hint:" in message


def train_loop_with(mistake: str):
    """Exercise 3.3's loop, right (mistake "") or with one typical mistake."""

    def train(model, images, epochs, optimizer, scheduler, generator):
        losses = []
        for _ in range(epochs):
            order = torch.randperm(len(images), generator=generator)
            epoch_losses = []
            for start in range(0, len(images), 64):
                batch = images[order[start:start + 64]]
                if mistake != "no zero_grad":
                    optimizer.zero_grad()
                loss = F.mse_loss(model(batch), batch)
                loss.backward()
                if mistake == "zero_grad after backward":
                    optimizer.zero_grad()
                optimizer.step()
                if mistake != "scheduler per epoch":
                    scheduler.step()
                epoch_losses.append(loss.item())
            if mistake == "scheduler per epoch":
                scheduler.step()
            losses.append(sum(epoch_losses) / len(epoch_losses))
        return losses

    return train


def test_the_training_loop_passes_only_when_right():
    assert lab.evaluate("03-train-loop", train_loop_with(""))[0]


@pytest.mark.parametrize("mistake, told", [
    ("no zero_grad", "the gradients hold both steps' sums"),
    ("zero_grad after backward", "the weights did not change"),
    ("scheduler per epoch", "the scheduler stepped 5 times in 20 batches"),
])
def test_the_training_loop_names_each_mistake(mistake, told):
    passed, message = lab.evaluate("03-train-loop", train_loop_with(mistake))
    assert not passed and told in message and "Hint:" in message


def fine_tune_with(mistake: str):
    """Exercise 5.3's fine-tuning, right (mistake "") or with one typical mistake."""

    def fine_tune(classifier, images, labels, encoder_lr, head_lr, steps):
        head = [*classifier.fc1.parameters(), *classifier.fc2.parameters()]
        if mistake == "one rate":
            groups = [{"params": classifier.parameters(), "lr": head_lr}]
        elif mistake == "encoder left out":
            groups = [{"params": head, "lr": head_lr}]
        else:
            rates = (head_lr, encoder_lr) if mistake == "rates swapped" else (encoder_lr, head_lr)
            groups = [{"params": classifier.encoder.parameters(), "lr": rates[0]}, {"params": head, "lr": rates[1]}]
        optimizer = torch.optim.Adam(groups)
        for _ in range(steps):
            optimizer.zero_grad()
            F.cross_entropy(classifier(images), labels).backward()
            optimizer.step()
        return optimizer

    return fine_tune


def test_fine_tuning_at_two_rates_passes_only_when_right():
    assert lab.evaluate("05-two-rates", fine_tune_with(""))[0]


@pytest.mark.parametrize("mistake, told", [
    ("one rate", "one parameter group"),
    ("encoder left out", "some of the encoder's weights are in no parameter group"),
    ("rates swapped", "the encoder's rate is [0.01], expected 0.0001"),
])
def test_fine_tuning_at_two_rates_names_each_mistake(mistake, told):
    passed, message = lab.evaluate("05-two-rates", fine_tune_with(mistake))
    assert not passed and told in message and "Hint:" in message
