"""Small data sets for the tutorials: noisy line data and MNIST that also works offline.

:func:`load_mnist` uses Keras' real loader (the full 60,000 + 10,000 images) when Keras is
installed and a network answers quickly (or the download is already cached); otherwise it reads the
official MNIST *test* set shipped in ``notebooks/data/mnist/`` (10,000 images, checked against
their SHA-256 sums, parsed from IDX with numpy) and splits it into its own train and validation parts.
The result says which source was used.

>>> x, y = regression_data(n=5, seed=0)
>>> x.shape, y.shape, float(x[0]), float(x[-1])
((5,), (5,), 0.0, 10.0)
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: SHA-256 of the shipped ``.gz`` files (the same sums are listed in the data folder's README)
MNIST_SHA256 = {
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
#: where Keras downloads MNIST from
KERAS_MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
_IDX_TYPES: dict[int, str] = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def regression_data(n: int = 100, seed: int = 0, noise: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points ``x`` evenly spaced on [0, 10] and ``y = x + N(0, noise^2)`` (fixed seed), float32."""
    x = np.linspace(0.0, 10.0, n, dtype=np.float32)
    rng = np.random.default_rng(seed)
    y = (x + rng.normal(0.0, noise, size=n)).astype(np.float32)
    return x, y


# ---------------------------------------------------------------------------- IDX files
def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Parse an IDX file (optionally gzip-compressed) into a numpy array.

    The header is two zero bytes, a type byte (0x08 = uint8), the number of dimensions, then
    one big-endian uint32 per dimension; the data follow in row-major order.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path.name}: not an IDX file (magic bytes {raw[:4]!r})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"{path.name}: header says {shape} ({expected} bytes), file has {len(raw) - header}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def sha256_of(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_mnist_files(data_dir: str | os.PathLike[str]) -> None:
    """Raise ``ValueError`` unless every shipped MNIST file exists with its expected SHA-256."""
    for name, expected in MNIST_SHA256.items():
        path = Path(data_dir) / name
        if not path.is_file():
            raise FileNotFoundError(f"missing MNIST file {path}")
        actual = sha256_of(path)
        if actual != expected:
            raise ValueError(f"{path}: SHA-256 {actual} does not match the expected {expected}")


def find_mnist_dir() -> Path:
    """The folder holding the shipped MNIST files.

    Looked up in ``$LOSSPLOT_MNIST_DIR``, then ``notebooks/data/mnist`` of the source checkout,
    then ``data/mnist`` and ``notebooks/data/mnist`` under the working directory.
    """
    candidates = []
    if os.environ.get("LOSSPLOT_MNIST_DIR"):
        candidates.append(Path(os.environ["LOSSPLOT_MNIST_DIR"]))
    candidates += [
        Path(__file__).resolve().parent.parent / "notebooks" / "data" / "mnist",
        Path.cwd() / "data" / "mnist",
        Path.cwd() / "notebooks" / "data" / "mnist",
    ]
    for folder in candidates:
        if all((folder / name).is_file() for name in MNIST_SHA256):
            return folder
    raise FileNotFoundError("shipped MNIST files not found in: " + ", ".join(map(str, candidates)))


# ------------------------------------------------------------------------------ network
def network_available(url: str = KERAS_MNIST_URL, timeout: float = 1.5) -> bool:
    """True if an HTTP ``HEAD`` request for ``url`` succeeds within ``timeout`` seconds.

    A real request, not just a TCP connection: a proxy or firewall that accepts connections but
    forwards nothing counts as offline. The request runs in a daemon thread, so a hanging name
    lookup cannot block the caller for longer than ``timeout`` either.
    """
    result: list[bool] = []

    def probe() -> None:
        try:
            request = urllib.request.Request(url, method="HEAD")
            with urllib.request.urlopen(request, timeout=timeout) as response:
                result.append(200 <= response.status < 400)
        except (OSError, ValueError):  # URLError, HTTPError, timeouts and socket errors are OSErrors
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True, name="lossplot-network-probe")
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def _keras_cache() -> Path:
    base = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    return base / "datasets" / "mnist.npz"


# -------------------------------------------------------------------------------- MNIST
@dataclass
class MNIST:
    """Images (``uint8``, shape ``(n, 28, 28)``) and labels (``uint8``, 0-9), split for training."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    source: str  #: ``"keras"`` (full data set) or ``"shipped"`` (the offline test-set copy)
    description: str  #: one sentence for the reader: where the data came from and how it was split

    def subset(self, n_train: int | None = None, n_val: int | None = None) -> MNIST:
        """The first ``n_train`` training and ``n_val`` validation examples (for quick runs)."""
        return MNIST(
            self.x_train[:n_train], self.y_train[:n_train], self.x_val[:n_val], self.y_val[:n_val],
            self.source, self.description + f" Using {len(self.x_train[:n_train])} training and "
            f"{len(self.x_val[:n_val])} validation images.",
        )


def _load_keras() -> MNIST:
    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 would otherwise look for TensorFlow
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    return MNIST(
        x_train, y_train, x_test, y_test, "keras",
        f"Real MNIST from keras.datasets.mnist.load_data(): {len(x_train)} training images, "
        f"the {len(x_test)} official test images used for validation.",
    )


def _load_shipped(data_dir: str | os.PathLike[str] | None, val_fraction: float, seed: int) -> MNIST:
    folder = Path(data_dir) if data_dir is not None else find_mnist_dir()
    verify_mnist_files(folder)
    images = read_idx(folder / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(folder / "t10k-labels-idx1-ubyte.gz")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{images.shape[0]} images but {labels.shape[0]} labels")
    order = np.random.default_rng(seed).permutation(len(labels))
    n_val = round(len(labels) * val_fraction)
    val, train = order[:n_val], order[n_val:]
    return MNIST(
        images[train], labels[train], images[val], labels[val], "shipped",
        f"Offline copy of the official MNIST test set ({folder}, SHA-256 verified): its {len(labels)} images "
        f"split into {len(train)} for training and {len(val)} for validation.",
    )


def load_mnist(
    source: str = "auto",
    *,
    data_dir: str | os.PathLike[str] | None = None,
    val_fraction: float = 0.2,
    seed: int = 0,
    timeout: float = 1.5,
) -> MNIST:
    """Load MNIST from Keras when possible, else from the shipped, checksum-verified offline copy.

    Parameters
    ----------
    source : {"auto", "keras", "shipped"}
        ``"auto"`` tries Keras' loader if Keras is installed and the download is cached or
        its download URL answers within ``timeout`` seconds, and falls back to the shipped
        files on any failure. ``$LOSSPLOT_OFFLINE=1`` makes ``"auto"`` mean ``"shipped"``.
    data_dir : path, optional
        Folder with the shipped ``t10k-*-ubyte.gz`` files (default: :func:`find_mnist_dir`).
    val_fraction, seed
        How the shipped 10,000 images are split (a seeded permutation).

    Examples
    --------
    >>> data = load_mnist("shipped")
    >>> data.source, data.x_train.shape, data.x_val.shape, data.x_train.dtype
    ('shipped', (8000, 28, 28), (2000, 28, 28), dtype('uint8'))
    """
    if source not in ("auto", "keras", "shipped"):
        raise ValueError(f"source must be 'auto', 'keras' or 'shipped', got {source!r}")
    if source == "keras":
        return _load_keras()
    if source == "auto" and os.environ.get("LOSSPLOT_OFFLINE", "") not in ("", "0"):
        source = "shipped"
    reason = ""
    if source == "auto":
        try:
            import importlib.util

            has_keras = importlib.util.find_spec("keras") is not None
        except (ImportError, ValueError):
            has_keras = False
        if not has_keras:
            reason = "Keras is not installed"
        elif _keras_cache().is_file() or network_available(timeout=timeout):
            try:
                return _load_keras()
            except Exception as exc:  # noqa: BLE001 - any download/parse failure: use the offline copy
                reason = f"Keras' loader failed ({type(exc).__name__}: {exc})"
        else:
            reason = f"no network ({KERAS_MNIST_URL} did not answer; checked with a {timeout:g} s timeout)"
    data = _load_shipped(data_dir, val_fraction, seed)
    if reason:
        data.description += f" Reason: {reason}."
    return data
