"""Chapter 5's four ways on tiny budgets: each trains what it says and leaves the rest alone."""

import ast
import copy
import inspect
from pathlib import Path

import pytest
import torch

import convae
from convae import transfer
from convae.transfer import Budget

ROOT = Path(__file__).resolve().parents[2]
BUDGET = Budget(steps=5, batch_size=16, seed=0)
SETTINGS = {"from scratch": {"lr": 1e-3, "augment": False}, "frozen encoder": {"lr": 1e-3, "augment": False},
            "fine-tuned": {"lr": 1e-3, "encoder_lr": 1e-4, "augment": False},
            "semi-supervised": {"lr": 1e-3, "encoder_lr": 1e-4, "augment": False, "reconstruction_weight": 1.0}}


@pytest.fixture
def pretrained():
    convae.seed_everything(0)
    return convae.Autoencoder(latent_dim=4)



def test_from_scratch_learns_the_tiny_task(tiny_mnist, pretrained):
    train, test = tiny_mnist
    settings = {"lr": 3e-3, "augment": False, "latent_dim": 12}  # its own code size, not the pretrained one's 4
    model, history = transfer.from_scratch(pretrained, train, train, settings, Budget(56, 32, 0), validation=test)
    assert model.latent_dim == 12
    assert len(history) == 8 and history["epoch"][-1] == 8  # 7 steps an epoch
    assert history.last()["validation_accuracy"] == convae.evaluate_classifier(model, test)["accuracy"]
    assert history.last()["validation_accuracy"] > 0.5  # chance is 0.1


def test_the_frozen_encoder_stays_put_and_the_head_moves(tiny_mnist, pretrained):
    train, _ = tiny_mnist
    torch.manual_seed(BUDGET.seed)
    start = convae.Classifier(4, tuning_encoder=copy.deepcopy(pretrained.encoder))  # the weights it starts from
    for augment in (False, True):  # codes computed once, or images through the fixed encoder
        model, _ = transfer.frozen_encoder(pretrained, train, train, {"lr": 1e-2, "augment": augment}, BUDGET)
        for name, tensor in model.encoder.state_dict().items():
            assert torch.equal(tensor, pretrained.encoder.state_dict()[name]), name
        assert not torch.equal(model.fc1.weight, start.fc1.weight)
        assert model.encoder is not pretrained.encoder  # a copy: the pretrained model is left as it was


def test_fine_tuning_gives_the_encoder_its_own_learning_rate(tiny_mnist, pretrained):
    train, _ = tiny_mnist
    model, _ = transfer.fine_tuned(pretrained, train, train, {"lr": 1e-2, "encoder_lr": 0.0, "augment": False}, BUDGET)
    for name, tensor in model.encoder.state_dict().items():
        assert torch.equal(tensor, pretrained.encoder.state_dict()[name]), name  # steps of size 0
    moved, _ = transfer.fine_tuned(pretrained, train, train, {"lr": 1e-2, "encoder_lr": 1e-2, "augment": False},
                                   BUDGET)
    assert not torch.equal(moved.encoder.conv1.weight, pretrained.encoder.conv1.weight)


def test_semi_supervised_trains_the_decoder_only_on_a_copy(tiny_mnist, pretrained):
    train, _ = tiny_mnist
    decoder_before = {k: v.clone() for k, v in pretrained.decoder.state_dict().items()}
    settings = {"lr": 1e-2, "encoder_lr": 1e-2, "reconstruction_weight": 10.0, "augment": False}
    model, _ = transfer.semi_supervised(pretrained, train.subset(torch.arange(20)), train, settings, BUDGET)
    for name, tensor in pretrained.decoder.state_dict().items():
        assert torch.equal(tensor, decoder_before[name]), name
    assert not torch.equal(model.encoder.conv1.weight, pretrained.encoder.conv1.weight)


def test_the_same_budget_trains_the_same_classifier(tiny_mnist, pretrained):
    train, _ = tiny_mnist
    settings = {**SETTINGS["semi-supervised"], "augment": True}  # every draw: weights, order, shifts, unlabelled
    first, again = (transfer.semi_supervised(pretrained, train, train, settings, BUDGET)[0] for _ in range(2))
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), again.state_dict().values()))


def test_every_way_on_the_same_labels(tiny_mnist, pretrained):
    train, _ = tiny_mnist
    models = transfer.train_every_way(pretrained, train, train, SETTINGS, BUDGET)
    assert list(models) == list(transfer.WAYS) == list(transfer.METHODS)
    assert all(isinstance(m, convae.Classifier) and m.fc2.weight.device.type == "cpu" for m in models.values())


def test_the_number_of_classes_comes_from_the_data(tiny_mnist, pretrained):
    train, _ = tiny_mnist
    four = convae.ImageSet(train.images, train.labels % 4, ["a", "b", "c", "d"])
    models = transfer.train_every_way(pretrained, four, four, SETTINGS, Budget(2, 16, 0))
    assert {name: m.fc2.out_features for name, m in models.items()} == dict.fromkeys(transfer.WAYS, 4)


def test_the_ways_are_one_table_of_one_signature():
    signatures = {name: list(inspect.signature(way).parameters) for name, way in transfer.WAYS.items()}
    assert all(s == ["pretrained", "labelled", "unlabelled", "settings", "budget", "validation"]
               for s in signatures.values()), signatures
    studies = sorted((ROOT / "studies").glob("*.py"))  # the repository's study commands use the table too
    assert len(studies) > 5
    names = set(transfer.WAYS)
    for path in [Path(transfer.__file__), *studies]:
        for node in ast.walk(ast.parse(path.read_text())):  # no `if method == "fine-tuned"` beside the table
            if isinstance(node, ast.Compare):
                constants = {n.value for n in ast.walk(node) if isinstance(n, ast.Constant)}
                assert not constants & names, f"{path.name}:{node.lineno} compares with a way's name"


def images_seen(train, augment: bool) -> torch.Tensor:
    """Every image batch the classifier receives while it trains, as one (N, 784) tensor."""
    seen = []
    original = convae.Classifier.forward

    def spy(self, x):
        seen.append(x.detach().reshape(-1, 784))
        return original(self, x)

    convae.Classifier.forward = spy
    try:
        transfer.from_scratch(convae.Autoencoder(latent_dim=4), train, train, {"lr": 1e-3, "augment": augment},
                              Budget(4, 16, 0))
    finally:
        convae.Classifier.forward = original
    return torch.cat(seen)


def test_augment_changes_the_images_the_model_sees(tiny_mnist):
    train, _ = tiny_mnist
    originals = train.images.reshape(-1, 784)  # (200, 784)

    def share_of_originals(seen: torch.Tensor) -> float:
        return (seen[:, None, :] == originals[None]).all(dim=2).any(dim=1).float().mean().item()

    plain, augmented = images_seen(train, augment=False), images_seen(train, augment=True)
    assert plain.shape == augmented.shape == (64, 784)
    assert share_of_originals(plain) == 1.0
    assert share_of_originals(augmented) < 0.25  # only a zero shift without a flip (1 in 50) leaves one as it was
    assert 0 <= augmented.min() and augmented.max() <= 1


def test_shift_and_flip_moves_pixels_within_two():
    image = torch.zeros(1, 1, 28, 28)
    image[0, 0, 10, 5] = 1.0
    generator = torch.Generator().manual_seed(0)
    for _ in range(20):
        out = convae.shift_and_flip(image, generator)
        assert out.shape == (1, 1, 28, 28) and out.sum() == 1
        row, col = torch.nonzero(out[0, 0])[0].tolist()
        assert abs(row - 10) <= 2 and (abs(col - 5) <= 2 or abs(col - 22) <= 2)


def test_logistic_regression_fits_separable_features():
    torch.manual_seed(0)
    features = torch.randn(200, 5)
    labels = (features[:, 0] > 0).long()
    probe = transfer.fit_logistic_regression(features, labels, weight_decay=1e-4, num_classes=2)
    assert transfer.probe_accuracy(probe, features, labels) > 0.95


def test_principal_components_are_orthonormal_and_ordered(tiny_mnist):
    train, _ = tiny_mnist
    mean, components = transfer.principal_components(train.images, 5)  # (784,), (5, 784)
    assert mean.shape == (784,) and components.shape == (5, 784)
    assert torch.allclose(components @ components.T, torch.eye(5), atol=1e-4)
    centred = train.images.flatten(1) - mean
    variances = (centred @ components.T).var(dim=0)
    assert (variances[:-1] >= variances[1:] - 1e-6).all()
