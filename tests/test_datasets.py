"""The tutorials' data: IDX parsing, checksum verification, the offline MNIST split, the network probe."""

from __future__ import annotations

import gzip
import http.server
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from lossplot_widget import datasets
from lossplot_widget.datasets import (
    MNIST_SHA256,
    find_mnist_dir,
    load_mnist,
    network_available,
    read_idx,
    regression_data,
    verify_mnist_files,
)

SHIPPED = Path(__file__).resolve().parent.parent / "notebooks" / "data" / "mnist"


def idx_bytes(array: np.ndarray, type_byte: int = 0x08) -> bytes:
    header = bytes([0, 0, type_byte, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + array.tobytes()


def test_read_idx_round_trip_plain_and_gzip(tmp_path: Path) -> None:
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a-idx3-ubyte").write_bytes(idx_bytes(images))
    (tmp_path / "a-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images)))
    for name in ("a-idx3-ubyte", "a-idx3-ubyte.gz"):
        out = read_idx(tmp_path / name)
        assert out.dtype == np.uint8 and out.shape == (2, 3, 4)
        np.testing.assert_array_equal(out, images)
    big_endian = np.array([1, -2, 70000], dtype=">i4")
    (tmp_path / "b").write_bytes(idx_bytes(big_endian, 0x0C))
    assert read_idx(tmp_path / "b").tolist() == [1, -2, 70000]


def test_read_idx_rejects_bad_magic_and_truncation(tmp_path: Path) -> None:
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01" + b"\x00" * 8)
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(idx_bytes(np.zeros((4, 2), np.uint8))[:-1])
    with pytest.raises(ValueError, match="header says"):
        read_idx(tmp_path / "short")


def test_checksums_match_the_data_readme() -> None:
    readme = (SHIPPED / "README.md").read_text()
    listed = {name: digest for digest, name in re.findall(r"^([0-9a-f]{64})\s+(\S+)$", readme, re.MULTILINE)}
    assert listed == MNIST_SHA256


def test_shipped_files_verify_and_parse() -> None:
    verify_mnist_files(SHIPPED)
    images = read_idx(SHIPPED / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(SHIPPED / "t10k-labels-idx1-ubyte.gz")
    assert images.shape == (10_000, 28, 28) and images.dtype == np.uint8
    # class counts of the official test set and of the training subset, as listed in the README
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    train = read_idx(SHIPPED / "train12k-images-idx3-ubyte.gz")
    train_labels = read_idx(SHIPPED / "train12k-labels-idx1-ubyte.gz")
    assert train.shape == (12_000, 28, 28) and train.dtype == np.uint8
    assert np.bincount(train_labels).tolist() == [1206, 1351, 1176, 1228, 1184, 1048, 1208, 1279, 1127, 1193]
    # the training subset is training data: no image of it is also a test image
    assert not set(map(bytes, train)) & set(map(bytes, images))


def test_a_changed_byte_fails_verification(tmp_path: Path) -> None:
    for name in MNIST_SHA256:
        shutil.copy(SHIPPED / name, tmp_path / name)
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="SHA-256"):
        verify_mnist_files(tmp_path)
    with pytest.raises(ValueError, match="SHA-256"):
        load_mnist("shipped", data_dir=tmp_path)


def test_offline_split_keeps_training_validation_and_test_apart() -> None:
    a = load_mnist("shipped")
    assert a.source == "shipped" and "SHA-256 verified" in a.description
    assert (len(a.x_train), len(a.x_val), len(a.x_test)) == (10_000, 2_000, 10_000)
    assert "official training set" in a.description and "test set" in a.description
    # training and validation are the 12,000 shipped training images, in order, each used once
    train = read_idx(SHIPPED / "train12k-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(np.concatenate([a.x_train, a.x_val]), train)
    # the test part is the official test set, untouched
    np.testing.assert_array_equal(a.x_test, read_idx(SHIPPED / "t10k-images-idx3-ubyte.gz"))
    assert np.bincount(a.y_val, minlength=10).min() > 150  # every class is in the validation part
    small = a.subset(100, 50, 20)
    assert (len(small.x_train), len(small.y_train), len(small.x_val), len(small.x_test)) == (100, 100, 50, 20)
    assert "100 training, 50 validation and 20 test images" in small.description
    assert len(a.subset(100, 50).x_test) == 10_000  # the test set is kept whole unless asked


def test_keras_and_shipped_split_the_same_way() -> None:
    # the rule both sources follow: validation is the end of the training images, test stays the test set
    images = np.arange(30_000, dtype=np.uint8).reshape(-1, 1, 1)[:, :, :].repeat(2, axis=1)
    labels = np.arange(len(images)) % 10
    test = images[:5]
    part = datasets._split(images, labels, test, labels[:5], "keras", "made up")
    assert (len(part.x_train), len(part.x_val)) == (20_000, 10_000)
    np.testing.assert_array_equal(part.y_val, labels[20_000:])
    with pytest.raises(ValueError, match="nothing to train"):
        datasets._split(images[:2000], labels[:2000], test, labels[:5], "shipped", "made up")


def test_auto_falls_back_to_shipped_data_quickly_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOSSPLOT_OFFLINE", raising=False)
    monkeypatch.setattr(datasets, "_keras_cache", lambda: Path("/nonexistent/mnist.npz"))
    # a reserved top-level domain: never resolves, like any host without a network
    monkeypatch.setattr(datasets, "KERAS_MNIST_URL", "https://lossplot-offline.invalid/mnist.npz")
    monkeypatch.setattr(datasets, "network_available", lambda timeout: network_available(
        datasets.KERAS_MNIST_URL, timeout=timeout))
    start = time.perf_counter()
    data = load_mnist(timeout=1.0)
    assert time.perf_counter() - start < 5.0
    assert data.source == "shipped" and "no network" in data.description


def test_offline_env_var_skips_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOSSPLOT_OFFLINE", "1")
    monkeypatch.setattr(datasets, "network_available", lambda **kw: pytest.fail("network probed"))
    assert load_mnist().source == "shipped"
    with pytest.raises(ValueError, match="source must be"):
        load_mnist("internet")


class _Head(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        self.send_response(200 if self.path == "/mnist.npz" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def no_proxy_for_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def test_network_probe_needs_a_real_http_answer(no_proxy_for_localhost: None) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Head)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert network_available(base + "/mnist.npz", timeout=2.0) is True
        assert network_available(base + "/missing", timeout=2.0) is False  # 404
    finally:
        server.shutdown()
        server.server_close()
    start = time.perf_counter()
    assert network_available(base + "/mnist.npz", timeout=2.0) is False  # port closed now
    assert network_available("https://lossplot-offline.invalid/mnist.npz", timeout=1.0) is False
    assert time.perf_counter() - start < 3.5


def test_network_probe_gives_up_at_its_timeout(no_proxy_for_localhost: None) -> None:
    # a socket that accepts connections but never answers, like a proxy that forwards nothing
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        start = time.perf_counter()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/mnist.npz"
        assert network_available(url, timeout=0.5) is False
        assert time.perf_counter() - start < 1.5
    finally:
        silent.close()


def test_find_mnist_dir_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert find_mnist_dir() == SHIPPED
    for name in MNIST_SHA256:
        shutil.copy(SHIPPED / name, tmp_path / name)
    monkeypatch.setenv("LOSSPLOT_MNIST_DIR", str(tmp_path))
    assert find_mnist_dir() == tmp_path


def test_regression_data_is_seeded_line_plus_noise() -> None:
    x, y = regression_data()
    _, y2 = regression_data()
    assert x.shape == y.shape == (100,) and x.dtype == np.float32
    assert x[0] == 0.0 and x[-1] == 10.0
    np.testing.assert_array_equal(y, y2)
    slope, intercept = np.polyfit(x, y, 1)
    assert abs(slope - 1.0) < 0.1 and abs(intercept) < 0.5
    assert 0.7 < np.std(y - x) < 1.3
