"""`/model_info` over HTTP: a model's facts as a plain dict, not the page's control updates."""

import json
import ssl

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError


@pytest.fixture(scope="module")
def client(launched_app):
    _, url = launched_app
    return Client(url, verbose=False, ssl_verify=ssl.create_default_context())


def no_updates(value) -> bool:
    """Whether ``value`` holds no gradio update (a dict with ``__type__``) at any depth."""
    if isinstance(value, dict):
        return "__type__" not in value and all(no_updates(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(no_updates(v) for v in value)
    return True


def test_model_info_is_a_plain_dict(client):
    info = client.predict("dcgan-tiny", api_name="/model_info")
    assert isinstance(info, dict) and no_updates(info) and json.loads(json.dumps(info)) == info
    assert info["model"] == "dcgan-tiny" and info["name"] == "Tiny DCGAN" and info["family"] == "dcgan"
    assert info["pipeline_tag"] == "unconditional-image-generation" and info["num_classes"] == 0
    assert info["sample_size"] > 0 and info["out_channels"] in (1, 3)
    assert info["metrics"][0]["value"] == 123.4
    conditional = client.predict("cdcgan-tiny", api_name="/model_info")
    assert conditional["class_names"] == ["shirt", "shoe", "bag"] and conditional["num_classes"] == 3
    assert conditional["truncation"] == {"kind": "latent scale", "min": 0.0, "max": 2.0}
    biggan = client.predict("biggan-tiny", api_name="/model_info")
    assert biggan["truncation"]["kind"] == "standing statistics"
    assert client.predict("progan-tiny", api_name="/model_info")["resolutions"]
    assert client.predict("stylegan2-tiny", api_name="/model_info")["truncation"]["kind"] == "w space"
    translator = client.predict("cyclegan-sneaker2boot-tiny", api_name="/model_info")
    assert translator["pipeline_tag"] == "image-to-image" and translator["directions"] == ["forward", "reverse"]


def test_model_info_refuses_an_unknown_model_in_one_line(client):
    with pytest.raises(AppError, match="unknown model 'rm -rf'"):
        client.predict("rm -rf", api_name="/model_info")


def test_the_page_controls_are_not_the_documented_api(client):
    assert "/model_info" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert "/model_controls" not in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
