"""Fetching the FID Inception weights on first use: from a local HTTP server serving a tiny stand-in file (never the
real URL), checked by sha256, cached atomically under the Hugging Face cache, and refused offline."""

import hashlib
import http.server
import io
import threading
from pathlib import Path

import pytest
import torch

from hfgan.errors import HFGANError
from hfgan.metrics.inception import INCEPTION_WEIGHTS_ENV, read_state_dict, resolve_inception_weights


def fake_weights() -> bytes:
    """A tiny state dict saved with ``torch.save`` (what the real file is, 95 MB smaller)."""
    buffer = io.BytesIO()
    torch.save({"fc.weight": torch.arange(6.0).view(2, 3)}, buffer)
    return buffer.getvalue()


class Server:
    """``http.server`` on 127.0.0.1 (port 0) in a thread: serves ``body`` at any path, counting requests; with
    ``cut=True`` it announces the whole length but closes after half of the body."""

    def __init__(self, body: bytes, cut: bool = False):
        self.body, self.cut, self.requests = body, cut, 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server name
                server.requests += 1
                self.send_response(200)
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body[: len(server.body) // 2] if server.cut else server.body)
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/fid_weights/pt_inception-2015-12-05-6726825d.pth"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve(monkeypatch, tmp_path):
    """``serve(body, sha256=..., cut=False) -> Server``: the download URL and expected hash point at a local server,
    the Hugging Face cache at ``tmp_path/hf``, online."""
    servers = []

    def start(body: bytes, sha256: str, cut: bool = False) -> Server:
        server = Server(body, cut)
        servers.append(server)
        monkeypatch.setenv("HFGAN_INCEPTION_URL", server.url)
        monkeypatch.setenv("HFGAN_INCEPTION_SHA256", sha256)
        return server

    monkeypatch.delenv(INCEPTION_WEIGHTS_ENV, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    yield start
    for server in servers:
        server.close()


def cached_files(tmp_path):
    return sorted(p for p in (tmp_path / "hf").rglob("*") if p.is_file())


def test_downloads_once_checks_the_hash_and_caches(serve, tmp_path):
    body = fake_weights()
    server = serve(body, hashlib.sha256(body).hexdigest())
    path = resolve_inception_weights(None)
    assert server.requests == 1
    assert path.startswith(str(tmp_path / "hf" / "hfgan" / "inception"))
    assert path.endswith("pt_inception-2015-12-05-6726825d.pth")
    assert cached_files(tmp_path) == [Path(path)]  # no temporary file left beside it
    torch.testing.assert_close(read_state_dict(path)["fc.weight"], torch.arange(6.0).view(2, 3))
    assert resolve_inception_weights(None) == path and server.requests == 1  # cached: no second request


def test_wrong_hash_is_one_line_and_caches_nothing(serve, tmp_path):
    server = serve(fake_weights(), "0" * 64)
    with pytest.raises(HFGANError, match=r"sha256 .* expected 0{64}.*--inception-weights PATH") as err:
        resolve_inception_weights(None)
    assert "\n" not in str(err.value) and server.requests == 1
    assert cached_files(tmp_path) == []


def test_cut_connection_is_one_line_and_leaves_no_partial_file(serve, tmp_path):
    body = fake_weights()
    server = serve(body, hashlib.sha256(body).hexdigest(), cut=True)
    with pytest.raises(HFGANError, match=r"could not download .*pt_inception-2015-12-05-6726825d.pth") as err:
        resolve_inception_weights(None)
    assert "\n" not in str(err.value) and server.requests == 1
    assert cached_files(tmp_path) == []


def test_offline_is_one_line_naming_the_option_and_the_url_without_a_request(serve, monkeypatch, tmp_path):
    body = fake_weights()
    server = serve(body, hashlib.sha256(body).hexdigest())
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(HFGANError, match="needs the FID Inception weights.*HF_HUB_OFFLINE") as err:
        resolve_inception_weights(None)
    message = str(err.value)
    assert "\n" not in message and "--inception-weights PATH" in message and server.url in message
    assert server.requests == 0 and cached_files(tmp_path) == []


def test_given_weights_override_the_download(serve, tmp_path):
    body = fake_weights()
    server = serve(body, hashlib.sha256(body).hexdigest())
    local = tmp_path / "mine.pth"
    local.write_bytes(body)
    assert resolve_inception_weights(str(local)) == str(local)
    assert server.requests == 0 and cached_files(tmp_path) == []


def test_a_malformed_expected_hash_is_refused(serve):
    serve(fake_weights(), "6726825d")
    with pytest.raises(HFGANError, match="HFGAN_INCEPTION_SHA256 must be 64 hexadecimal digits"):
        resolve_inception_weights(None)
