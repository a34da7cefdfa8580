"""convae: convolutional autoencoders with PyTorch, the package behind the book.

The chapters use what is listed in `__all__` here, and five modules by name, each with an
`__all__` of its own: `convae.plots` (figures), `convae.transfer` (chapter 5's four ways),
`convae.sampling` (chapter 9's judge of samples), `convae.widgets` (the latent explorer) and
`convae.lab` (the exercises' checks).
"""

from ._internal.cache import ReadyAutoencoder, load_or_train_autoencoder
from ._internal.checkpoints import (
    PRETRAINED,
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    load_pretrained,
    pretrained_metadata,
    save_checkpoint,
)
from ._internal.runs import TrainedModel, train_recipe
from ._internal.runtime import pick_device, seed_everything
from ._internal.version import __version__
from .augment import add_noise, binarize, shift_and_flip
from .compare import PairedGap, mean_and_std, paired_gap
from .data import DataUnavailableError, ImageSet, batches, labelled_subset, load_dataset, split_validation
from .evaluate import (
    confusion_matrix,
    encode,
    evaluate_autoencoder,
    evaluate_classifier,
    reconstruct,
    reconstruction_errors,
)
from .history import History
from .models import (
    VAE,
    Autoencoder,
    Classifier,
    Decoder,
    DenseAutoencoder,
    Encoder,
    count_parameters,
    flops_by_layer,
    forward_flops,
)
from .recipe import QUICK, SHIPPED, SHIPPED_VAE, Recipe
from .results import load_result
from .schedule import learning_rates
from .train import autoencoder_steps, classifier_steps, train_autoencoder
from .vae import (
    binarized_once,
    evaluate_vae,
    importance_sampled_log_likelihood,
    kl_to_standard_normal,
    train_vae,
    vae_loss,
    vae_steps,
)

__all__ = [
    "PRETRAINED", "QUICK", "SHIPPED", "SHIPPED_VAE", "Autoencoder", "Checkpoint", "CheckpointError", "Classifier",
    "DataUnavailableError", "Decoder", "DenseAutoencoder", "Encoder", "History", "ImageSet", "PairedGap",
    "ReadyAutoencoder", "Recipe", "TrainedModel", "__version__", "add_noise", "autoencoder_steps", "batches",
    "binarize", "binarized_once",
    "classifier_steps", "confusion_matrix", "count_parameters", "encode", "evaluate_autoencoder",
    "evaluate_classifier", "flops_by_layer", "forward_flops", "labelled_subset", "learning_rates", "load_checkpoint",
    "load_dataset",
    "load_or_train_autoencoder", "load_pretrained", "load_result", "mean_and_std", "paired_gap", "pick_device",
    "pretrained_metadata", "reconstruct", "reconstruction_errors", "save_checkpoint", "seed_everything",
    "shift_and_flip", "split_validation", "train_autoencoder", "train_recipe", "VAE", "evaluate_vae",
    "importance_sampled_log_likelihood", "kl_to_standard_normal", "train_vae", "vae_loss", "vae_steps",
]
