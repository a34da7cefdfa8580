"""convae: convolutional autoencoders with PyTorch, the package behind the book."""

__version__ = "0.1.0"

from .cache import ReadyAutoencoder, load_or_train_autoencoder  # noqa: E402
from .checkpoints import (  # noqa: E402
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    load_pretrained,
    load_weights,
    pretrained_metadata,
    save_checkpoint,
)
from .data import DataUnavailableError, ImageSet, labelled_subset, load_dataset, split_validation  # noqa: E402
from .evaluate import (  # noqa: E402
    confusion_matrix,
    encode,
    evaluate_autoencoder,
    evaluate_classifier,
    reconstruct,
    reconstruction_errors,
)
from .models import Autoencoder, Classifier, Decoder, Encoder, count_parameters  # noqa: E402
from .runtime import pick_device, seed_everything  # noqa: E402
from .train import History, train_autoencoder, train_classifier  # noqa: E402

__all__ = [
    "ReadyAutoencoder", "load_or_train_autoencoder",
    "Autoencoder", "Checkpoint", "CheckpointError", "Classifier", "DataUnavailableError", "Decoder",
    "Encoder", "History", "ImageSet", "confusion_matrix", "count_parameters", "encode",
    "evaluate_autoencoder", "evaluate_classifier", "labelled_subset", "load_checkpoint",
    "load_dataset", "load_pretrained", "load_weights", "pick_device", "pretrained_metadata", "reconstruct",
    "reconstruction_errors",
    "save_checkpoint", "seed_everything", "split_validation", "train_autoencoder", "train_classifier",
]
