"""Every endpoint of the Space answers a wrong-typed or out-of-range input with a one-line message that names the
input, and logs one line for it (no traceback): over HTTP (raw JSON, as any client may send it, NaN included) and
when the service is called directly."""

import json

import httpx
import pytest

BIG = "x" * 10_000_000
WRONG = {"int": 123, "list": [1, 2], "dict": {"a": 1}, "none": None, "bool": True, "nan": float("nan"), "big": BIG}
ALL = "All classes (one per image)"

# Per endpoint: (input name as messages say it, its kind, a valid value), in the order of the endpoint's inputs.
# Kinds: "model", "text" (may be left empty), "number", "image". A wrong value is refused, except that an int is a
# number and an empty text or number is the input's default where it has one.
ENDPOINTS = {
    "generate": [("model", "model", "dcgan-tiny"), ("number of images", "number", 2), ("seed", "number", 0),
                 ("class", "text", ALL), ("truncation", "number", 1.0)],
    "resolutions": [("model", "model", "progan-tiny"), ("number of images", "number", 2), ("seed", "number", 0),
                    ("class", "text", ALL), ("truncation", "number", 1.0)],
    "model_info": [("model", "model", "dcgan-tiny")],
    "interpolate": [("model", "model", "cdcgan-tiny"), ("seed a", "number", 0), ("class a", "text", "shirt"),
                    ("seed b", "number", 1), ("class b", "text", "shoe"), ("frames", "number", 3),
                    ("truncation", "number", 1.0)],
    "class_interpolate": [("model", "model", "cdcgan-tiny"), ("seed", "number", 0), ("class a", "text", "shirt"),
                          ("class b", "text", "bag"), ("steps", "number", 3), ("truncation", "number", 1.0)],
    "style_mixing": [("model", "model", "stylegan2-tiny"), ("row seeds", "text", "0"), ("column seeds", "text", "1"),
                     ("layer", "text", "custom range"), ("first layer", "number", 0), ("last layer", "number", 1),
                     ("class", "text", ALL), ("truncation", "number", 1.0), ("noise", "text", "const")],
    "translate": [("model", "model", "pix2pix-edges2fashion-tiny"), ("image", "image", None),
                  ("direction", "text", "forward")],
    "compare": [("model a", "model", "dcgan-tiny"), ("model b", "model", "mlp-gan-tiny"),
                ("number of images", "number", 2), ("seed", "number", 0), ("class", "text", ALL),
                ("truncation", "number", 1.0)],
}
# Inputs that may be left empty (None): the model's classes, the forward direction.
OPTIONAL = {("generate", 3), ("resolutions", 3), ("interpolate", 2), ("interpolate", 4), ("style_mixing", 6),
            ("compare", 4), ("translate", 2)}
CASES = [(endpoint, kind) for endpoint in ENDPOINTS for kind in WRONG]


def must_refuse(endpoint: str, index: int, kind: str, wrong: str, over_http: bool) -> bool:
    """Whether ``WRONG[wrong]`` at input ``index`` has to be refused (else it may also be served)."""
    if wrong == "none" and (endpoint, index) in OPTIONAL:
        return False
    if wrong == "none" and endpoint == "model_info" and over_http:
        return False  # the card panel says "pick a model first"
    if wrong == "int" and kind == "number":
        return False  # a number (clamped by the service, refused out of the slider's range over HTTP)
    if wrong == "int" and endpoint == "style_mixing" and index in (1, 2) and not over_http:
        return False  # the service takes a seed as a number too
    return True


def check(message: str, name: str, endpoint: str, index: int, wrong: str):
    assert "\n" not in message and len(message) <= 300, (endpoint, index, wrong, message[:400])
    assert "internal error" not in message, (endpoint, index, wrong, message)
    words = {"image": ("image", "input")}.get(name, (name,))
    assert any(w in message.lower() for w in words), (endpoint, index, wrong, message)


# -- over HTTP ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def http(launched_app):
    _, url = launched_app
    with httpx.Client(base_url=url.rstrip("/") + "/gradio_api", timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def uploaded_example(http):
    """An example image uploaded as the page uploads one: the translate endpoint's valid input."""
    from playground.examples import list_examples

    path = list_examples()["fashion_mnist_edges"][0]
    with open(path, "rb") as f:
        [server_path] = http.post("/upload", files={"files": ("edges.png", f, "image/png")}).json()
    return {"path": server_path, "meta": {"_type": "gradio.FileData"}}


def call(http, endpoint: str, data: list):
    """``(ok, payload)``: POST raw JSON (NaN allowed, as Python's json reads it) and read the event's outcome."""
    posted = http.post(f"/call/{endpoint}", content=json.dumps({"data": data}),
                       headers={"content-type": "application/json"})
    assert posted.status_code == 200, posted.text[:300]
    event_id = posted.json()["event_id"]
    with http.stream("GET", f"/call/{endpoint}/{event_id}") as stream:
        event = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                event = line[len("event: "):]
            elif line.startswith("data: ") and event in ("complete", "error"):
                payload = json.loads(line[len("data: "):])
                return event == "complete", payload
    raise AssertionError(f"/{endpoint}: no outcome")


@pytest.mark.parametrize("endpoint, wrong", CASES)
def test_every_endpoint_refuses_wrong_inputs_in_one_line_over_http(http, uploaded_example, capfd, endpoint, wrong):
    inputs = ENDPOINTS[endpoint]
    valid = [value for _, _, value in inputs]
    if endpoint == "translate":
        valid[1] = uploaded_example
    capfd.readouterr()
    refused = []
    for index, (name, kind, _) in enumerate(inputs):
        data = valid[:index] + [WRONG[wrong]] + valid[index + 1:]
        ok, payload = call(http, endpoint, data)
        if ok:
            assert not must_refuse(endpoint, index, kind, wrong, over_http=True), (endpoint, index, wrong)
            continue
        message = (payload or {}).get("error") or ""
        check(message, name, endpoint, index, wrong)
        refused.append(message)
    log = capfd.readouterr().err
    assert "Traceback" not in log, log[-3000:]
    assert log.splitlines() == [f"hfgan playground: /{endpoint}: {message}" for message in refused]


def test_an_input_error_is_one_line_in_the_log(http, capfd):
    capfd.readouterr()
    ok, payload = call(http, "generate", [123, 2, 0, ALL, 1.0])
    assert not ok and payload["error"] == "model must be text, got 123 (int)"
    ok, payload = call(http, "generate", ["dcgan-tiny", 1000, 0, ALL, 1.0])
    assert not ok and "number of images" in payload["error"].lower() and "64" in payload["error"]
    assert capfd.readouterr().err.splitlines() == ["hfgan playground: /generate: model must be text, got 123 (int)",
                                                   "hfgan playground: /generate: " + payload["error"]]


def test_too_few_inputs_are_one_line(http, capfd):
    ok, payload = call(http, "generate", ["dcgan-tiny"])
    assert not ok and "\n" not in payload["error"] and "5 inputs" in payload["error"], payload
    assert "Traceback" not in capfd.readouterr().err


def test_the_app_still_serves_after_wrong_inputs(http):
    ok, payload = call(http, "generate", ["dcgan-tiny", 2, 0, ALL, 1.0])
    assert ok and payload[1].startswith("2 images")


# -- the service, called directly --------------------------------------------------------------------------------

METHODS = {"generate": "generate", "resolutions": "resolutions", "model_info": "info", "interpolate": "interpolate",
           "class_interpolate": "class_interpolate", "style_mixing": "style_mix", "translate": "translate",
           "compare": "compare"}
# The service's own argument order, as indices into ENDPOINTS (interpolate takes the seeds first, then the classes).
ORDER = {"interpolate": [0, 1, 3, 5, 2, 4, 6]}


@pytest.fixture(scope="module")
def play(app_module, tiny_pipelines_dir):
    return app_module.Playground(tiny_pipelines_dir)


@pytest.mark.parametrize("endpoint, wrong", CASES)
def test_every_service_method_refuses_wrong_inputs_in_one_line(app_module, play, endpoint, wrong):
    from playground.examples import list_examples

    inputs = ENDPOINTS[endpoint]
    valid = [value for _, _, value in inputs]
    if endpoint == "translate":
        valid[1] = list_examples()["fashion_mnist_edges"][0]
    method = getattr(play, METHODS[endpoint])
    for index, (name, kind, _) in enumerate(inputs):
        args = valid[:index] + [WRONG[wrong]] + valid[index + 1:]
        args = [args[i] for i in ORDER.get(endpoint, range(len(args)))]
        try:
            method(*args)
        except app_module.SpaceError as err:
            check(str(err), name, endpoint, index, wrong)
        else:
            assert not must_refuse(endpoint, index, kind, wrong, over_http=False), (endpoint, index, wrong)


@pytest.mark.parametrize("value, expected", [
    (True, "seed must be a number, got True"), ([1], "seed must be a number, got a list"),
    (10**400, "seed must be a finite number"), (float("inf"), "seed must be a finite number, got inf"),
    ("x" * 50, "seed must be a number, got 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... (50 characters)"),
])
def test_number_messages_are_short_and_name_the_input(app_module, value, expected):
    with pytest.raises(app_module.SpaceError) as err:
        app_module.clamp_int(value, 0, 10, "seed", [])
    assert str(err.value).startswith(expected) and len(str(err.value)) < 120
