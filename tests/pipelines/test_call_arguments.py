"""Keyword arguments of from_pretrained, load_pipeline, save_pretrained and push_to_hub: unknown or unsupported
ones are one-line errors (never dropped), before anything is downloaded or written; Hub failures are one line
that says what to do."""

import httpx
import pytest
import torch

import hfgan
from hfgan import GANPipeline
from hfgan.errors import ArgumentError, CheckpointError
from hfgan.pipelines.hub_errors import hub_error_message


@pytest.fixture
def no_hub(monkeypatch):
    import huggingface_hub

    def refuse(*args, **kwargs):
        raise AssertionError("the Hub must not be contacted")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", refuse)


@pytest.mark.parametrize("kwargs, match", [
    ({"resume_download": True}, "unknown keyword argument resume_download"),
    ({"torch_dtpye": torch.float16}, "unknown keyword argument torch_dtpye"),
    ({"custom_pipeline": "x"}, r"unsupported keyword argument custom_pipeline \(hfgan pipelines load their own classes\)"),
    ({"proxies": {"https": "p"}}, "HTTPS_PROXY"),
    ({"use_onnx": True, "mirror": "x"}, "unsupported keyword argument use_onnx .*; unknown keyword argument mirror"),
    ({"unet": None}, "unknown keyword argument unet"),
])
def test_from_pretrained_refuses_unknown_kwargs(no_hub, kwargs, match):
    for load in (GANPipeline.from_pretrained, hfgan.load_pipeline):
        with pytest.raises(ArgumentError, match=match) as info:
            load("user/some-gan", **kwargs)
        assert "\n" not in str(info.value) and isinstance(info.value, TypeError)


def test_from_pretrained_accepts_diffusers_arguments(saved_pipeline_dir, make_tiny_pipeline):
    generator = make_tiny_pipeline(seed=3).generator
    pipe = GANPipeline.from_pretrained(saved_pipeline_dir, generator=generator, trust_remote_code=True, use_safetensors=True,
                                       low_cpu_mem_usage=True, local_files_only=True, revision="main", variant=None)
    assert pipe.generator is generator


def test_a_component_of_another_pipeline_class_is_refused(saved_pipeline_dir):
    with pytest.raises(ArgumentError, match="unknown keyword argument generator_reverse"):
        hfgan.load_pipeline(saved_pipeline_dir, generator_reverse=None)


def test_save_pretrained_refuses_unknown_kwargs(tiny_pipeline, tmp_path):
    with pytest.raises(ArgumentError, match="unknown keyword argument safe_serialisation"):
        tiny_pipeline.save_pretrained(tmp_path / "a", safe_serialisation=True)
    with pytest.raises(ArgumentError, match="commit_message, private apply to uploads only"):
        tiny_pipeline.save_pretrained(tmp_path / "b", commit_message="x", private=True)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    tiny_pipeline.save_pretrained(tmp_path / "c", repo_id="org/tiny")  # names the repo on the model card
    assert "org/tiny" in (tmp_path / "c" / "README.md").read_text()


def test_push_to_hub_refuses_unknown_kwargs(tiny_pipeline, monkeypatch):
    from hfgan import hub

    monkeypatch.setattr(hub, "upload_folder", lambda *a, **k: pytest.fail("nothing may be uploaded"))
    with pytest.raises(ArgumentError, match="unknown keyword argument(s)? (exist_ok, )?repo_type"):
        tiny_pipeline.push_to_hub("org/tiny", repo_type="model")
    with pytest.raises(ArgumentError, match="unknown keyword argument max_shard_size"):
        tiny_pipeline.push_to_hub("org/tiny", max_shard_size="1GB")


def _http_error(cls, status, message="error"):
    request = httpx.Request("GET", "https://huggingface.co/api/models/org/x")
    return cls(message, response=httpx.Response(status, request=request))


def _errors():
    from huggingface_hub.errors import (GatedRepoError, HfHubHTTPError, LocalEntryNotFoundError, RepositoryNotFoundError,
                                        RevisionNotFoundError)

    return [
        (_http_error(GatedRepoError, 403), "is gated: accept its conditions on https://huggingface.co/org/x, then pass a token"),
        (_http_error(RepositoryNotFoundError, 404), "there is no Hub repo org/x .*pass a token.*check the name"),
        (_http_error(RevisionNotFoundError, 404), "has no revision 'v9': check the branch, tag or commit"),
        (_http_error(HfHubHTTPError, 401), r"refused access to org/x \(HTTP 401\): pass a token"),
        (_http_error(HfHubHTTPError, 503), r"failed to serve org/x \(HTTP 503\): retry later"),
        (_http_error(HfHubHTTPError, 429), "rate-limited .* wait a minute and retry"),
        (LocalEntryNotFoundError("no cache"), "not in the local cache .*connect and retry"),
        (httpx.ConnectError("[Errno -2] Name or service not known"), "ConnectError: .*check the network or proxy"),
    ]


@pytest.mark.parametrize("index", range(8))
def test_hub_errors_say_what_to_do(index, monkeypatch):
    import huggingface_hub

    err, match = _errors()[index]
    assert "\n" not in hub_error_message(err, "org/x", "v9")

    def fail(*args, **kwargs):
        raise err

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fail)
    with pytest.raises(CheckpointError, match=match):
        hfgan.load_pipeline("org/x", revision="v9")
