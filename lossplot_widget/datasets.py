"""Small data sets for the tutorials: noisy line data and MNIST that also works offline.

:func:`load_mnist` uses Keras' real loader (the full 60,000 + 10,000 images) when Keras is
installed and a network answers quickly (or the download is already cached); otherwise it reads the
copy shipped in ``notebooks/data/mnist/``: the first 12,000 images of the official *training* set and
the 10,000 official *test* images, checked against their SHA-256 sums and parsed from IDX with numpy.
Either way the three parts are kept apart the same way: training and validation images both come from
the official training set (validation is its last part), and the official test set is only the test
set. The result says which source was used and where each part came from.

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
    "train12k-images-idx3-ubyte.gz": "46f589e77b12d1fdafdb8bb74390d08fa23861f7815f1506adbf64cedbdcf6f6",
    "train12k-labels-idx1-ubyte.gz": "56eb3e45f55e87ab4169a54426ef5691205b58ceb3a98fe17d08a3078c4abb73",
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


def find_shipped(name: str) -> Path:
    """A file the tutorials ship in ``notebooks/data/`` (e.g. ``runs_yesterday.sqlite``, the run store of an
    earlier session of tutorial 01): looked up in ``notebooks/data`` of the source checkout, then ``data`` and
    ``notebooks/data`` under the working directory.

    >>> find_shipped("runs_yesterday.sqlite").name
    'runs_yesterday.sqlite'
    """
    candidates = [
        Path(__file__).resolve().parent.parent / "notebooks" / "data" / name,
        Path.cwd() / "data" / name,
        Path.cwd() / "notebooks" / "data" / name,
    ]
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(f"{name} not found in: " + ", ".join(map(str, candidates)))


#: validation images taken from the end of the training images (as Keras' ``validation_split`` does)
VAL_SIZE = {"keras": 10_000, "shipped": 2_000}


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
    """Images (``uint8``, shape ``(n, 28, 28)``) and labels (``uint8``, 0-9) in three parts kept apart.

    ``x_train``/``y_train`` and ``x_val``/``y_val`` come from the official training set (validation is
    its last part); ``x_test``/``y_test`` are official test images, for a final number only.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  #: ``"keras"`` (the full data set) or ``"shipped"`` (the offline copy)
    description: str  #: for the reader: where each part came from

    def subset(self, n_train: int | None = None, n_val: int | None = None, n_test: int | None = None) -> MNIST:
        """The first ``n_train`` training, ``n_val`` validation and ``n_test`` test examples (for quick runs)."""
        part = MNIST(
            self.x_train[:n_train], self.y_train[:n_train], self.x_val[:n_val], self.y_val[:n_val],
            self.x_test[:n_test], self.y_test[:n_test], self.source, self.description,
        )
        part.description += (
            f" Using {len(part.x_train)} training, {len(part.x_val)} validation and {len(part.x_test)} test images."
        )
        return part


def _split(
    x: np.ndarray, y: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, source: str, where: str
) -> MNIST:
    n_val = VAL_SIZE[source]
    if len(y) <= n_val:
        raise ValueError(f"{len(y)} training images leave nothing to train on after {n_val} for validation")
    if len(x) != len(y) or len(x_test) != len(y_test):
        raise ValueError(f"{len(x)} images but {len(y)} labels, or {len(x_test)} test images but {len(y_test)} labels")
    n = len(y) - n_val
    return MNIST(
        x[:n], y[:n], x[n:], y[n:], x_test, y_test, source,
        f"{where}: training on the first {n} images of the official training set, validating on its last "
        f"{n_val}; the {len(y_test)} official test images are kept apart as the test set.",
    )


def _load_keras() -> MNIST:
    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 would otherwise look for TensorFlow
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    return _split(x_train, y_train, x_test, y_test, "keras", "Real MNIST from keras.datasets.mnist.load_data()")


def _load_shipped(data_dir: str | os.PathLike[str] | None) -> MNIST:
    folder = Path(data_dir) if data_dir is not None else find_mnist_dir()
    verify_mnist_files(folder)
    x, y, x_test, y_test = (read_idx(folder / f"{kind}-{what}.gz") for kind in ("train12k", "t10k")
                            for what in ("images-idx3-ubyte", "labels-idx1-ubyte"))
    return _split(x, y, x_test, y_test, "shipped", f"Offline copy of MNIST ({folder}, SHA-256 verified)")


def load_mnist(
    source: str = "auto",
    *,
    data_dir: str | os.PathLike[str] | None = None,
    timeout: float = 1.5,
) -> MNIST:
    """Load MNIST from Keras when possible, else from the shipped, checksum-verified offline copy.

    Parameters
    ----------
    source : {"auto", "keras", "shipped"}
        ``"auto"`` tries Keras' loader if Keras is installed and the download is cached or
        its download URL answers within ``timeout`` seconds, and falls back to the shipped
        files on any failure. ``$LOSSPLOT_OFFLINE=1`` makes ``"auto"`` mean ``"shipped"``.
        Keras: 50,000 training, 10,000 validation (the official training set's last) and 10,000
        test images. Shipped: 10,000 training and 2,000 validation images (the official training
        set's first 12,000) and the same 10,000 test images.
    data_dir : path, optional
        Folder with the shipped ``*-ubyte.gz`` files (default: :func:`find_mnist_dir`).

    Examples
    --------
    >>> data = load_mnist("shipped")
    >>> data.source, data.x_train.shape, data.x_val.shape, data.x_test.shape, data.x_train.dtype
    ('shipped', (10000, 28, 28), (2000, 28, 28), (10000, 28, 28), dtype('uint8'))
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
    data = _load_shipped(data_dir)
    if reason:
        data.description += f" Reason: {reason}."
    return data
