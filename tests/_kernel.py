"""A real ipykernel for tests, driven over jupyter_client as a frontend would (no browser)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

REPO = Path(__file__).resolve().parents[1]
#: the kernel's interpreter; point it at another environment to test another ipykernel (e.g. 6.29)
PYTHON = os.environ.get("LOSSPLOT_TEST_KERNEL_PYTHON") or sys.executable


class Kernel:
    """A started kernel plus a client that keeps iopub output and replies per request."""

    def __init__(self, tmp_path: Path, **env_extra: str) -> None:
        spec_dir = tmp_path / "kernels" / "lossplot-test"
        spec_dir.mkdir(parents=True)
        (spec_dir / "kernel.json").write_text(json.dumps({
            "argv": [PYTHON, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "lossplot test", "language": "python",
        }))
        ksm = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")])
        self.km = KernelManager(kernel_name="lossplot-test", kernel_spec_manager=ksm)
        env = {**os.environ, "LOSSPLOT_CONTROL_HOOKS": "1", "KERAS_BACKEND": "torch", "PYTHONPATH": str(REPO)}
        env.update(env_extra)
        self.km.start_kernel(env=env)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)
        self.iopub: dict[str, list[dict]] = {}
        self.replies: dict[str, dict] = {}

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)

    # ------------------------------------------------------------ requests
    def submit(self, code: str) -> str:
        return self.kc.execute(code, stop_on_error=True)

    def send_comm(self, comm_id: str, data: dict) -> float:
        """Send what a frontend sends for a widget event; returns the wall time it was sent."""
        msg = self.kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
        sent = time.time()
        self.kc.shell_channel.send(msg)
        return sent

    def click(self, comm_id: str) -> float:
        return self.send_comm(comm_id, {"method": "custom", "content": {"event": "click"}})

    def update(self, comm_id: str, **state: Any) -> float:
        """A state change made in the page (a slider moved, a toggle pressed, a scale zoomed)."""
        return self.send_comm(comm_id, {"method": "update", "state": state, "buffer_paths": []})

    # ------------------------------------------------------------ results
    def _pump_iopub(self, timeout: float) -> None:
        msg = self.kc.get_iopub_msg(timeout=timeout)
        parent = msg["parent_header"].get("msg_id", "")
        self.iopub.setdefault(parent, []).append(msg)

    def _done(self, msg_id: str) -> bool:
        return any(
            m["msg_type"] == "status" and m["content"]["execution_state"] == "idle"
            for m in self.iopub.get(msg_id, [])
        )

    def stdout(self, msg_id: str) -> str:
        return "".join(
            m["content"]["text"] for m in self.iopub.get(msg_id, [])
            if m["msg_type"] == "stream" and m["content"]["name"] == "stdout"
        )

    def wait_output(self, msg_id: str, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.stdout(msg_id):
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} in output: {self.stdout(msg_id)!r}")
            self._pump_iopub(timeout=max(0.01, deadline - time.monotonic()))

    def result(self, msg_id: str, timeout: float = 60) -> dict:
        """The execute_reply content plus ``stdout``, once the request is idle."""
        deadline = time.monotonic() + timeout
        while msg_id not in self.replies:
            reply = self.kc.get_shell_msg(timeout=max(0.01, deadline - time.monotonic()))
            self.replies[reply["parent_header"].get("msg_id", "")] = reply
        while not self._done(msg_id):
            self._pump_iopub(timeout=max(0.01, deadline - time.monotonic()))
        content = dict(self.replies[msg_id]["content"])
        content["stdout"] = self.stdout(msg_id)
        return content

    def run(self, code: str, timeout: float = 60) -> dict:
        content = self.result(self.submit(code), timeout)
        assert content["status"] == "ok", content
        return content

    def value(self, expr: str) -> Any:
        out = self.run(f"print(repr({expr}))")["stdout"].strip()
        return eval(out)  # noqa: S307 - our own repr of plain values

    def settle(self, pause: float = 0.3) -> None:
        """Let the kernel handle whatever was sent (a late click) before the next cell."""
        time.sleep(pause)
        self.run("pass")


def new_widget(k: Kernel, name: str = "w", **kwargs: Any) -> tuple[str, str]:
    """Create and display a widget in the kernel; return its Stop and Pause model ids."""
    args = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
    k.run(
        f"{name} = LiveLossWidget({args})\n"
        f"display({name})\n"
        f"bar = {name}._view.control_bar"
    )
    return k.value("bar.stop.model_id"), k.value("bar.pause.model_id")
