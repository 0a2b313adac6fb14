"""What the launching environment decides for a run: the device (an accelerator, else the CPU), the precision of
``accelerate config`` when not started by ``accelerate launch``, the command line that started the process (for
the model card), and printing on the main process before any Accelerate state exists."""

import os
import shlex
import sys
from typing import List, Optional


def print_on_rank0(message: str) -> None:
    """``print`` on the global main process only, usable before any Accelerate state exists."""
    if os.environ.get("RANK", "0") == "0":
        print(message)


def one_of_several_asked() -> bool:
    """Whether ``accelerate launch`` was asked for several processes but started this one alone: its one-process
    launcher (``--cpu``, which takes no ``--multi_gpu``) sets a rendezvous (MASTER_ADDR / MASTER_PORT) when
    ``--num_processes`` is above 1, and no WORLD_SIZE, as a launch of several processes would."""
    env = os.environ
    return "ACCELERATE_USE_CPU" in env and "MASTER_PORT" in env and "WORLD_SIZE" not in env


def warn_one_of_several() -> None:
    """Say on stderr, once, that a launch asked for several processes trains in one (:func:`one_of_several_asked`)."""
    if one_of_several_asked():
        print("accelerate launch started one process though more were asked (--num_processes with --cpu starts one): "
              "this run trains in one; for several CPU processes use `accelerate launch --multi_gpu --num_processes N "
              "-m hfgan.train ...` (on a machine without an accelerator hfgan trains them on the CPU)",
              file=sys.stderr, flush=True)


_ACCELERATORS = ("cuda", "mps", "xpu", "npu", "mlu", "musa", "sdaa", "hpu", "neuron")


def only_cpu() -> bool:
    """Whether Accelerate finds no accelerator of any kind: then the CPU is its device anyway, and saying so lets
    launched processes train together over gloo (Accelerate's MULTI_CPU needs ``cpu=True``). With an accelerator
    (CUDA, MPS, XPU, ...) Accelerate picks it, unless ``accelerate launch --cpu`` / ACCELERATE_USE_CPU says CPU."""
    from accelerate import utils

    for kind in _ACCELERATORS:
        check = getattr(utils, f"is_{kind}_available", None)
        try:
            if check is not None and check():
                return False
        except Exception:  # noqa: BLE001 - a broken backend probe counts as absent
            continue
    return True


def accelerate_mixed_precision() -> Optional[str]:
    """The precision of ``accelerate config`` when this process was not started by ``accelerate launch`` (which
    passes its own, flag or config file, as ACCELERATE_MIXED_PRECISION): None lets Accelerate decide."""
    if os.environ.get("ACCELERATE_MIXED_PRECISION"):
        return None
    try:
        from accelerate.commands.config.config_args import default_config_file, load_config_from_file

        if not os.path.isfile(default_config_file):
            return None
        value = getattr(load_config_from_file(default_config_file), "mixed_precision", None)
    except Exception:  # noqa: BLE001 - an unreadable accelerate config leaves the choice to Accelerate
        return None
    value = getattr(value, "value", value)
    return str(value) if value in ("no", "fp16", "bf16") else None


def _true(name: str) -> bool:
    """Whether the environment variable ``name`` holds a true value as Accelerate writes one (``True``, ``1``)."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


def launch_flags() -> List[str]:
    """The ``accelerate launch`` flags that started this process, rebuilt from the variables Accelerate passes to
    the processes it starts (its own flags never reach their ``sys.argv``): several processes (WORLD_SIZE, and
    machines from LOCAL_WORLD_SIZE), ``--cpu``, a precision other than ``no``, and ``torch.compile`` settings."""
    env, flags = os.environ, []
    world = int(env.get("WORLD_SIZE", "1") or 1)
    if world > 1:
        flags += ["--multi_gpu", "--num_processes", str(world)]
        local = int(env.get("LOCAL_WORLD_SIZE", world) or world)
        if 0 < local < world and world % local == 0:
            flags += ["--num_machines", str(world // local)]
    if _true("ACCELERATE_USE_CPU"):
        flags.append("--cpu")
    precision = env.get("ACCELERATE_MIXED_PRECISION", "no").strip().lower()
    if precision and precision != "no":
        flags += ["--mixed_precision", precision]
    backend = env.get("ACCELERATE_DYNAMO_BACKEND", "NO").strip()
    if backend and backend.upper() != "NO":
        flags += ["--dynamo_backend", backend.lower()]
        mode = env.get("ACCELERATE_DYNAMO_MODE", "default").strip()
        flags += ["--dynamo_mode", mode] if mode and mode != "default" else []
        flags += ["--dynamo_use_fullgraph"] if _true("ACCELERATE_DYNAMO_USE_FULLGRAPH") else []
        flags += ["--dynamo_use_dynamic"] if _true("ACCELERATE_DYNAMO_USE_DYNAMIC") else []
    return flags


def command_line() -> str:
    """The command that started this process, as a user types it, for the model card; under ``accelerate launch``
    the launch itself with its flags (:func:`launch_flags`), then ``-m hfgan.train ...``."""
    program = os.path.basename(sys.argv[0])
    if program in ("cli.py", "__main__.py"):  # python -m hfgan.cli
        program = "hfgan"
    elif program == "train.py" and os.path.basename(os.path.dirname(os.path.abspath(sys.argv[0]))) == "hfgan":
        launched = "ACCELERATE_MIXED_PRECISION" in os.environ or "WORLD_SIZE" in os.environ
        words = ["accelerate", "launch", *launch_flags()] if launched else ["python"]
        return " ".join([*words, "-m", "hfgan.train", *(shlex.quote(a) for a in sys.argv[1:])])
    return " ".join(shlex.quote(a) for a in [program, *sys.argv[1:]])
