"""Bad input to every ``hfgan`` sub-command: does each end in one line on stderr with a non-zero status?

Builds tiny pipelines, broken folders, images, datasets and config files in a temporary folder, then runs each
case through ``hfgan.cli.main`` in this one process with the process's stdout and stderr file descriptors
redirected (so progress bars, library warnings and logging are caught as a terminal would show them), and warnings
shown as in a fresh process. A case passes when the status is non-zero, stderr is exactly one line
``hfgan ...: error: ...`` holding the expected text, with no traceback, and nothing was written where the case
says it must not be.

    python scripts/cli_error_sweep.py            # prints the failures and "N cases: M one line, non-zero (P%)"
    python scripts/cli_error_sweep.py --json report.json

Exit status 0 when every case passes, 1 otherwise.
"""

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

HUGE = "1" + "0" * 30


@dataclass
class Outcome:
    argv: List[str]
    expected: str
    status: int
    stdout: str
    stderr: str

    @property
    def one_line(self) -> bool:
        err = self.stderr
        return err.count("\n") == 1 and err.endswith("\n") and err.startswith("hfgan") and ": error: " in err

    @property
    def passed(self) -> bool:
        return self.status != 0 and self.one_line and "Traceback" not in self.stderr and self.expected in self.stderr


# ------------------------------------------------------------------------------------------------------------------
# fixtures
# ------------------------------------------------------------------------------------------------------------------
def build_fixtures(root: str) -> Dict[str, str]:
    """Tiny pipelines (unconditional, conditional, 28 px, image-to-image), broken copies, images, datasets, configs."""
    import numpy as np
    import torch
    from PIL import Image

    from hfgan import DCGANGenerator, GANPipeline
    from hfgan.models.pix2pix import Pix2PixGenerator
    from hfgan.pipelines import GANImageToImagePipeline

    def path(*parts: str) -> str:
        return os.path.join(root, *parts)

    torch.manual_seed(0)
    tiny = dict(latent_dim=8, base_channels=8, max_channels=16)
    GANPipeline(DCGANGenerator(sample_size=8, **tiny)).save_pretrained(path("ok"))
    GANPipeline(DCGANGenerator(sample_size=8, num_classes=3, class_names=["shirt", "shoe", "bag"], **tiny)
                ).save_pretrained(path("cond"))
    GANPipeline(DCGANGenerator(sample_size=28, **tiny)).save_pretrained(path("img28"))
    GANImageToImagePipeline(Pix2PixGenerator(sample_size=16, in_channels=3, out_channels=3, base_channels=4,
                                             max_channels=8)).save_pretrained(path("p2p"))

    def broken(name: str, edit) -> None:
        shutil.copytree(path("ok"), path(name))
        edit(path(name))

    def rewrite_json(file: str, change) -> None:
        with open(file, encoding="utf-8") as f:
            data = json.load(f)
        with open(file, "w", encoding="utf-8") as f:
            json.dump(change(data), f)

    broken("hostile", lambda d: rewrite_json(os.path.join(d, "model_index.json"),
                                             lambda i: {**i, "../../etc": ["hfgan", "DCGANGenerator"]}))
    broken("corrupt", lambda d: open(os.path.join(d, "generator", "diffusion_pytorch_model.safetensors"), "wb")
           .write(b"\x7fELF not safetensors" * 10))
    broken("huge", lambda d: rewrite_json(os.path.join(d, "generator", "config.json"), lambda c: {**c, "latent_dim": 10**9}))
    broken("no_index", lambda d: os.remove(os.path.join(d, "model_index.json")))
    broken("bad_json", lambda d: open(os.path.join(d, "model_index.json"), "w").write("{not json"))
    broken("index_list", lambda d: open(os.path.join(d, "model_index.json"), "w").write("[1, 2, 3]"))
    broken("no_weights", lambda d: os.remove(os.path.join(d, "generator", "diffusion_pytorch_model.safetensors")))
    broken("bad_config", lambda d: rewrite_json(os.path.join(d, "generator", "config.json"),
                                                lambda c: {**c, "sample_size": "big"}))
    broken("unknown_class", lambda d: rewrite_json(os.path.join(d, "model_index.json"),
                                                   lambda i: {**i, "generator": ["hfgan", "NoSuchGenerator"]}))
    broken("foreign_library", lambda d: rewrite_json(os.path.join(d, "model_index.json"),
                                                     lambda i: {**i, "generator": ["os", "system"]}))
    os.makedirs(path("empty"))
    Image.new("L", (8, 8)).save(path("image.png"))
    Image.new("RGB", (16, 16), (200, 10, 10)).save(path("rgb.png"))
    Image.new("1", (10000, 10000)).save(path("big.png"))  # 100 megapixels in a few kB
    with open(path("network.pkl"), "wb") as f:
        f.write(b"\x80\x04not really a pickle")
    with open(path("not_an_image.png"), "wb") as f:
        f.write(b"this is not a PNG")
    with open(path("config.yaml"), "w") as f:
        f.write("model: [unclosed\n")
    with open(path("list.yaml"), "w") as f:
        f.write("- 1\n- 2\n")
    with open(path("accelerate_garbage.yaml"), "w") as f:
        f.write("\x00\x01 not: [yaml\n")
    # an image folder whose metadata.jsonl names a file outside the folder
    os.makedirs(path("data_escape"))
    for i in range(4):
        Image.fromarray(np.full((28, 28), 40 * i, np.uint8)).save(path("data_escape", f"{i}.png"))
    with open(path("data_escape", "metadata.jsonl"), "w") as f:
        for i in range(4):
            f.write(json.dumps({"file_name": f"{i}.png"}) + "\n")
        f.write(json.dumps({"file_name": "../image.png"}) + "\n")
    # a pytorch-pretrained-biggan folder whose config asks for a generator far larger than any memory
    os.makedirs(path("biggan_huge"))
    with open(path("biggan_huge", "config.json"), "w") as f:
        json.dump({"z_dim": 128, "num_classes": 1000, "channel_width": 200000, "attention_layer_position": 8,
                   "eps": 1e-4, "n_stats": 51, "output_dim": 128,
                   "layers": [[False, 16, 16], [True, 16, 16], [False, 16, 16], [True, 16, 8], [False, 8, 8],
                              [True, 8, 4], [False, 4, 4], [True, 4, 2], [False, 2, 2], [True, 2, 1]]}, f)
    torch.save({}, path("biggan_huge", "pytorch_model.bin"))
    return {name: path(name) for name in os.listdir(root)}


# ------------------------------------------------------------------------------------------------------------------
# cases
# ------------------------------------------------------------------------------------------------------------------
def cases(f: Dict[str, str], tmp: str) -> List[Tuple[List[str], str]]:
    """``(argv, expected text on stderr)`` of bad input to every sub-command."""
    ok, cond, p2p, image = f["ok"], f["cond"], f["p2p"], f["image.png"]
    out = ["--out", os.path.join(tmp, "g.png")]
    t_out = ["--out", os.path.join(tmp, "t")]
    missing = os.path.join(tmp, "missing")
    pub = os.path.join(tmp, "pub")
    train = ["train", "dcgan-fashion-mnist"]
    return [
        # the parser
        ([], "the following arguments are required: COMMAND"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["--no-such-flag"], "required: COMMAND"),
        (["generate", "pipeline-folder", "--help-me"], "unrecognized arguments: --help-me"),
        # generate
        (["generate"], "the following arguments are required: pipeline"),
        (["generate", missing], "no such folder"),
        (["generate", ok, "--num-images", "many"], "argument --num-images: invalid int value: 'many'"),
        (["generate", ok, "--num-images", "-5"], "--num-images must be in [1, 1000000], got -5"),
        (["generate", ok, "--num-images", "0"], "--num-images must be in [1, 1000000], got 0"),
        (["generate", ok, "--num-images", HUGE], "--num-images must be in [1, 1000000]"),
        (["generate", ok, "--num-images", "1e30"], "invalid int value: '1e30'"),
        (["generate", ok, "--scale", "-1"], "--scale and --nrow must be >= 1"),
        (["generate", ok, "--nrow", "0"], "--scale and --nrow must be >= 1"),
        (["generate", ok, "--seed", "99999999999999999999999"], "--seed must be in [0, 2**64 - 1]"),
        (["generate", ok, "--seed", "-1"], "--seed must be in [0, 2**64 - 1]"),
        (["generate", ok, "--device", "meta", *out], "images are made on cpu, cuda, mps, xpu devices, not meta"),
        (["generate", ok, "--device", "banana", *out], "is not a torch device"),
        (["generate", ok, "--device", "", *out], "--device is empty"),
        (["generate", ok, "--device", "cuda:7", *out], "cuda"),
        (["generate", ok, "--dtype", "fp16", "--device", "cpu", *out], "float16 pipelines run on GPUs"),
        (["generate", ok, "--dtype", "int8", *out], "invalid choice: 'int8'"),
        (["generate", ok, "--revision", "v2", *out], "--revision"),
        (["generate", ok, "--truncation-psi", "nan", *out], "truncation_psi must be a number in [0, 2]"),
        (["generate", ok, "--truncation-psi", "-3", *out], "truncation_psi must be a number in [0, 2]"),
        (["generate", ok, "--class-label", "0", *out], "class"),
        (["generate", cond, "--class-label", "dragon", *out], "unknown class name 'dragon'"),
        (["generate", cond, "--class-label", HUGE, *out], "out of range"),
        (["generate", cond, "--class-label", "-1", *out], "out of range"),
        (["generate", ok, "--no-grid"], "--no-grid writes nothing without --save-images"),
        (["generate", ok, "--out", os.path.join(tmp, "grid.txt")], "not an image file extension"),
        (["generate", ok, "--out", tmp], "--out"),
        (["generate", ok, "--save-images", image, *out], "image.png"),
        (["generate", ok, "--bogus"], "unrecognized arguments: --bogus"),
        (["generate", ok, "--num"], "unrecognized arguments: --num"),
        (["generate", f["hostile"], *out], "the key '../../etc' is a path"),
        (["generate", f["corrupt"], *out], "is corrupt or truncated"),
        (["generate", f["huge"], *out], "but only"),
        (["generate", f["no_index"], *out], "model_index.json"),
        (["generate", f["bad_json"], *out], "model_index.json"),
        (["generate", f["index_list"], *out], "model_index.json"),
        (["generate", f["no_weights"], *out], "generator"),
        (["generate", f["bad_config"], *out], "sample_size"),
        (["generate", f["unknown_class"], *out], "NoSuchGenerator"),
        (["generate", f["foreign_library"], *out], "os"),
        (["generate", f["empty"], *out], "model_index.json"),
        (["generate", image, *out], "(it is a file)"),
        (["generate", p2p, *out], "image-to-image"),
        # translate
        (["translate", ok, image, *t_out], "is an image generation pipeline"),
        (["translate", p2p, os.path.join(tmp, "missing.png"), *t_out], "no such file or folder"),
        (["translate", p2p, image], "the following arguments are required: --out"),
        (["translate", p2p, image, *t_out, "--batch-size", "-1"], "--batch-size must be >= 1"),
        (["translate", p2p, image, *t_out, "--batch-size", "0"], "--batch-size must be >= 1"),
        (["translate", p2p, image, *t_out, "--direction", "sideways"], "invalid choice: 'sideways'"),
        (["translate", p2p, image, *t_out, "--direction", "reverse"], "reverse"),
        (["translate", p2p, f["not_an_image.png"], *t_out], "not_an_image.png"),
        (["translate", p2p, f["empty"], *t_out], "empty"),
        (["translate", p2p, image, "--out", image], "image.png"),
        (["translate", p2p, image, *t_out, "--device", "meta"], "not meta"),
        (["translate", p2p, image, *t_out, "--revision", "v2"], "--revision"),
        (["translate", p2p, f["big.png"], *t_out], "megapixels"),
        (["translate", p2p, f["big.png"], *t_out, "--max-image-pixels", "0"], "--max-image-pixels"),
        (["translate", f["hostile"], image, *t_out], "is a path"),
        (["translate", f["corrupt"], image, *t_out], "is corrupt or truncated"),
        # evaluate
        (["evaluate"], "give either a PIPELINE to evaluate or --real-vs-real SPLIT"),
        (["evaluate", missing], "missing"),
        (["evaluate", ok, "--num-samples", "-3"], "--num-samples must be >= 2"),
        (["evaluate", ok, "--num-samples", "1000000000000"], "--num-samples"),
        (["evaluate", ok, "--batch-size", "x"], "invalid int value: 'x'"),
        (["evaluate", ok, "--batch-size", "0"], "--batch-size"),
        (["evaluate", ok, "--features", "nope"], "unknown --features 'nope'"),
        (["evaluate", ok, "--metrics", "nope"], "nope"),
        (["evaluate", ok, "--threads", "0"], "--threads"),
        (["evaluate", f["img28"], "--dataset", missing, "--features", "fashion-mnist-classifier"], "missing"),
        (["evaluate", f["img28"], "--dataset", f["data_escape"], "--features", "fashion-mnist-classifier"],
         "metadata.jsonl"),
        (["evaluate", ok, "--features", "inception", "--inception-weights", os.path.join(tmp, "no.pth")], "no.pth"),
        (["evaluate", ok, "--device", "banana"], "is not a torch device"),
        (["evaluate", ok, "--revision", "v2"], "--revision"),
        (["evaluate", f["corrupt"]], "is corrupt or truncated"),
        (["evaluate", f["img28"], "--split", "nope", "--features", "fashion-mnist-classifier"], "nope"),
        (["evaluate", f["img28"], "--reference-num-images", "-1"], "--reference-num-images"),
        (["evaluate", "--real-vs-real", "nope"], "nope"),
        (["evaluate", ok, "--seed", "-1"], "--seed"),
        (["evaluate", p2p, "--num-samples", "8"], "dataset"),
        (["evaluate", ok, "--seeds", "0,0"], "--seeds must be distinct"),
        (["evaluate", ok, "--seeds", "1,x"], "--seeds must be comma-separated integers"),
        (["evaluate", ok, ok, "--seeds", "0,1", "--update-card"], "--update-card does not apply to --seeds"),
        (["evaluate", ok, ok], "several PIPELINEs are compared over --seeds"),
        (["evaluate", "--real-vs-real", "train", "--seeds", "0,1"], "--real-vs-real"),
        # publish
        (["publish", missing, pub], "is not a finished run (no model_index.json)"),
        (["publish", ok, ok], "the run folder itself"),
        (["publish", ok, f["data_escape"]], "is not a pipeline folder"),
        (["publish", ok, image], "is not a pipeline folder"),
        (["publish", ok, pub, "--gif-every", "0"], "--gif-every must be >= 1"),
        (["publish", ok, pub, "--weights", "best"], "has no best/ pipeline"),
        (["publish", ok, pub, "--weights", "worst"], "invalid choice: 'worst'"),
        # push
        (["push", missing, "org/name"], "has no model_index.json"),
        (["push", f["hostile"], "org/name"], "is a path"),
        (["push", f["corrupt"], "org/name"], "is corrupt or truncated"),
        (["push", ok], "the following arguments are required: repo_id"),
        (["push", ok, "not a repo id!", "--dry-run"], "repo"),
        (["push", image, "org/name"], "image.png"),
        # list
        (["list", "no-such-model-*"], "no model variant or preset matches 'no-such-model-*'"),
        # train
        (["train", "no-such-preset"], "is neither a config file nor a preset"),
        (["train", os.path.join(tmp, "missing.yaml")], "is neither a config file nor a preset"),
        (["train", f["config.yaml"], "--print-config"], "config.yaml"),
        (["train", f["list.yaml"], "--print-config"], "list.yaml"),
        ([*train, "--max_train_steps", "abc", "--print-config"], "--max_train_steps expects int"),
        ([*train, "--max_train_steps", "-5", "--print-config"], "max_train_steps must be >= 1"),
        ([*train, "--max_train_steps", "1e30", "--print-config"], "max_train_steps"),
        ([*train, "--no_such_key", "3", "--print-config"], "unknown config key 'no_such_key'"),
        ([*train, "--learning_rate_g", "nan", "--print-config"], "learning_rate_g"),
        ([*train, "--learning_rate_g", "-1", "--print-config"], "learning_rate_g"),
        ([*train, "--train_batch_size", "0", "--print-config"], "train_batch_size"),
        ([*train, "--mixed_precision", "fp8", "--print-config"], "mixed_precision"),
        ([*train, "--ema_decay", "2", "--print-config"], "ema_decay"),
        ([*train, "--max_train_minutes", "-1", "--print-config"], "max_train_minutes"),
        ([*train, "--overwrite_output_dir", "maybe", "--print-config"], "overwrite_output_dir"),
        ([*train, "--seed", "x", "--print-config"], "--seed"),
        ([*train, "--output_dir", image], "image.png"),
        (["train", "--model", "no-such-family", "--dataset", f["data_escape"], "--print-config"], "no-such-family"),
        (["train", "--model", "dcgan", "--dataset", f["data_escape"], "--resolution", "-8", "--print-config"],
         "resolution"),
        # convert
        (["convert", "no-such-format", ok, os.path.join(tmp, "c1")], "unknown format 'no-such-format'"),
        (["convert", "biggan-deep", missing, os.path.join(tmp, "c2")], "does not exist"),
        (["convert", "biggan-deep", ok, os.path.join(tmp, "c3")], "config"),
        (["convert", "biggan-deep", f["biggan_huge"], os.path.join(tmp, "c4")], "memory"),
        (["convert", "biggan-deep", f["biggan_huge"], ok], "not an empty folder"),
        (["convert", "stylegan2-ada", image, os.path.join(tmp, "c5")], "image.png"),
        (["convert", "stylegan2-ada", f["not_an_image.png"], os.path.join(tmp, "c6")], "not_an_image.png"),
        (["convert", "stylegan2-ada", f["network.pkl"], os.path.join(tmp, "c7")], "--trust-pickle"),
        # list
        (["list", "--bogus"], "unrecognized arguments: --bogus"),
        # env
        (["env", "--config-file", os.path.join(tmp, "no-accelerate.yaml")], "no-accelerate.yaml"),
        (["env", "--config-file", f["accelerate_garbage.yaml"]], "accelerate_garbage.yaml"),
    ]


# what a failing case must not leave behind
def must_not_exist(tmp: str) -> List[str]:
    return [os.path.join(tmp, name) for name in ("g.png", "t", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "grid.png",
                                                 "metrics.json", "runs", "pub", "pub.tmp")]


# ------------------------------------------------------------------------------------------------------------------
# running
# ------------------------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def captured_fds():
    """Redirect file descriptors 1 and 2 (and ``sys.stdout`` / ``sys.stderr``) into temporary files; yields a
    function that returns ``(stdout, stderr)`` once the block has ended."""
    files = [tempfile.TemporaryFile(mode="w+b"), tempfile.TemporaryFile(mode="w+b")]
    saved = [os.dup(1), os.dup(2)]
    result = {}
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        for fd, file in zip((1, 2), files):
            os.dup2(file.fileno(), fd)
        yield lambda: (result["out"], result["err"])
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, copy in zip((1, 2), saved):
            os.dup2(copy, fd)
            os.close(copy)
        texts = []
        for file in files:
            file.seek(0)
            texts.append(file.read().decode("utf-8", "replace"))
            file.close()
        result["out"], result["err"] = texts


class CaseTimeout(Exception):
    """A case ran longer than its time limit: bad input that was accepted and started real work."""


def _time_out(signum, frame):
    raise CaseTimeout("the case ran past its time limit: the input was accepted and work started")


def run_case(argv: Sequence[str], time_limit: int = 60) -> Tuple[int, str, str]:
    """``(status, stdout, stderr)`` of ``hfgan ARGV`` run in this process, warnings shown as a fresh process would;
    past ``time_limit`` seconds the case is stopped (it then fails)."""
    import signal

    from hfgan.cli import main

    with warnings.catch_warnings():
        warnings.resetwarnings()  # the interpreter's defaults: each warning shown once per place, as in a new process
        warnings.simplefilter("default")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
        warnings.filterwarnings("ignore", category=ImportWarning)
        with captured_fds() as read:
            previous = signal.signal(signal.SIGALRM, _time_out)
            signal.alarm(time_limit)
            try:
                status = main(list(argv))
            except SystemExit as done:
                status = done.code if isinstance(done.code, int) else 1
            except BaseException as err:  # noqa: BLE001 - an escaped exception is a failed case, not a crash
                import traceback

                traceback.print_exc()
                status = 1 if not isinstance(err, KeyboardInterrupt) else 130
            finally:
                signal.alarm(0)
                signal.signal(signal.SIGALRM, previous)
    out, err = read()
    return status, out, err


def sweep(root: Optional[str] = None, log=None) -> List[Outcome]:
    """Build the fixtures under ``root`` (a new temporary folder when None) and run every case; ``log`` (a text
    file) gets one line per case as it ends."""
    os.environ.pop("HFGAN_DEBUG", None)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    root = root or tempfile.mkdtemp(prefix="hfgan-cli-sweep-")
    fixtures = build_fixtures(os.path.join(root, "fixtures"))
    tmp = os.path.join(root, "work")
    os.makedirs(tmp, exist_ok=True)
    outcomes, cwd = [], os.getcwd()
    os.chdir(tmp)  # default outputs (grid.png, metrics.json, runs/) of a case that wrongly runs land here
    try:
        for argv, expected in cases(fixtures, tmp):
            start = time.perf_counter()
            status, out, err = run_case(argv)
            outcomes.append(Outcome(list(argv), expected, status, out, err))
            if log is not None:
                shown = " ".join(argv).replace(root, "$TMP")[:120]
                print(f"{'ok  ' if outcomes[-1].passed else 'FAIL'} {time.perf_counter() - start:6.1f} s  hfgan {shown}",
                      file=log, flush=True)
                if not outcomes[-1].passed:
                    print("      " + err.replace(root, "$TMP").rstrip().replace("\n", "\n      ")[-1500:], file=log, flush=True)
    finally:
        os.chdir(cwd)
    leftovers = [p for p in must_not_exist(tmp) if os.path.exists(p)]
    if leftovers:
        outcomes.append(Outcome(["(leftovers)"], "", 1, "", "wrote " + ", ".join(leftovers) + "\n"))
    return outcomes


def summary(outcomes: List[Outcome]) -> str:
    passed = sum(o.passed for o in outcomes)
    return f"{len(outcomes)} cases: {passed} one line, non-zero ({100 * passed / max(len(outcomes), 1):.0f}%)"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=None, help="also write every case's outcome to this JSON file")
    parser.add_argument("--verbose", action="store_true", help="a line per case as it ends, with its time")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hfgan-cli-sweep-") as root:
        outcomes = sweep(root, log=os.fdopen(os.dup(1), "w") if args.verbose else None)
    for o in outcomes:
        if not o.passed:
            shown = " ".join(a.replace(root, "$TMP") for a in o.argv)[:160]
            print(f"FAIL hfgan {shown}\n  status {o.status}, expected {o.expected!r}; stderr:\n    "
                  + "\n    ".join(o.stderr.replace(root, "$TMP").rstrip().splitlines()[-6:] or ["(empty)"]))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump([{**vars(o), "passed": o.passed} for o in outcomes], f, indent=1)
    print(summary(outcomes))
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
