import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from safetensors.torch import load_file

from hfgan import GANPipeline
from hfgan.training import GANTrainer, NonFiniteLossError
from hfgan.training.checkpoint import list_checkpoints



def _weights(folder):
    return load_file(os.path.join(folder, "generator", "diffusion_pytorch_model.safetensors"))


def _assert_same(a, b, atol=0.0):
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=atol, rtol=0 if atol == 0 else 1e-5, msg=key)


def test_train_writes_pipeline_samples_plot_and_checkpoints(tmp_path, make_config):
    out = GANTrainer(make_config(max_train_steps=6, checkpointing_steps=2, checkpoints_total_limit=2)).train()
    pipe = GANPipeline.from_pretrained(out)
    assert len(pipe(batch_size=3).images) == 3
    assert [os.path.basename(p) for p in list_checkpoints(out)] == ["checkpoint-4", "checkpoint-6"]
    for name in ("samples/grid.png", "samples/progress.gif", "samples/step_000004.png", "losses.png", "training_config.json"):
        assert os.path.isfile(os.path.join(out, name)), name
    card = open(os.path.join(out, "README.md")).read()
    assert "library_name: hfgan" in card and "fashion_mnist" in card and "max_train_steps" in card
    assert pipe.card_data["training"]["max_train_steps"] == 6


def test_resume_matches_uninterrupted_run(tmp_path, make_config):
    full = GANTrainer(make_config("full", max_train_steps=6, checkpointing_steps=3)).train()
    part = make_config("part", max_train_steps=3, checkpointing_steps=3)
    GANTrainer(part).train()
    resumed = make_config("part", max_train_steps=6, checkpointing_steps=3, resume_from_checkpoint="latest")
    GANTrainer(resumed).train()
    _assert_same(_weights(full), _weights(tmp_path / "part"))


@pytest.mark.parametrize("loss, extra", [
    ("minimax", {}),
    ("hinge", {"feature_matching_weight": 1.0}),
    ("wasserstein", {"gp_weight": 10.0, "n_critic": 2}),
    ("least_squares", {"r1_gamma": 1.0, "r1_interval": 2}),
    ("nonsaturating", {"label_smoothing": 0.1, "gradient_accumulation_steps": 2, "use_ema": False}),
])
def test_objectives_and_tricks_train(tmp_path, make_config, loss, extra):
    cfg = make_config(loss=loss, max_train_steps=2, checkpointing_steps=2, **extra)
    trainer = GANTrainer(cfg)
    trainer.train()
    assert all(torch.isfinite(torch.tensor(v)).item() for v in trainer.history["loss_d"] + trainer.history["loss_g"])


def test_conditional_training_uses_class_names(tmp_path, make_config):
    cfg = make_config(model="cmlp-gan-28", max_train_steps=2, checkpointing_steps=2)
    out = GANTrainer(cfg).train()
    pipe = GANPipeline.from_pretrained(out)
    assert pipe.num_classes == 10 and pipe.class_names[7] == "Sneaker"
    assert len(pipe(class_labels=["Sneaker", 0]).images) == 2


def test_non_finite_loss_stops_and_keeps_last_checkpoint(tmp_path, make_config):
    cfg = make_config(max_train_steps=8, checkpointing_steps=2)
    trainer = GANTrainer(cfg)
    original = trainer._run_phase

    def exploding(phase, counter):
        logs = original(phase, counter)
        return {k: v * float("nan") for k, v in logs.items()} if trainer.step >= 3 and phase.name == "G_main" else logs

    trainer._run_phase = exploding
    with pytest.raises(NonFiniteLossError, match="checkpoint-2"):
        trainer.train()
    assert [os.path.basename(p) for p in list_checkpoints(cfg.output_dir)] == ["checkpoint-2"]


def test_sigkill_then_resume_latest_matches_uninterrupted(tmp_path, tiny_args, procs):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    base = [sys.executable, "-m", "hfgan.cli", "train", "mlp-gan-fashion-mnist"]
    steps = ["--max_train_steps", "40", "--checkpointing_steps", "5"]
    procs.run(base + tiny_args(tmp_path / "full") + steps, env=env, check=True)
    proc = subprocess.Popen(base + tiny_args(tmp_path / "killed") + steps, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not list_checkpoints(tmp_path / "killed"):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = list_checkpoints(tmp_path / "killed")
    assert done and not os.path.isfile(tmp_path / "killed" / "model_index.json"), "the run must be killed mid-way"
    procs.run(base + tiny_args(tmp_path / "killed") + steps + ["--resume", "latest"], env=env, check=True)
    _assert_same(_weights(tmp_path / "full"), _weights(tmp_path / "killed"))
    state = json.load(open(os.path.join(list_checkpoints(tmp_path / "killed")[-1], "trainer_state.json")))
    assert state["step"] == 40


def test_bad_config_is_a_clear_error(tmp_path):
    from hfgan.cli import main

    assert main(["train", "no-such-preset"]) == 2
    assert main(["train", "mlp-gan-fashion-mnist", "--max_train_steps", "ten"]) == 2
    assert main(["train", "mlp-gan-fashion-mnist", "--no_such_key", "1"]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("loss: nope\n")
    assert main(["train", str(bad)]) == 2


def test_periodic_evaluation_keeps_the_best_pipeline(tmp_path, make_config):
    cfg = make_config(max_train_steps=4, checkpointing_steps=4, eval_steps=2, eval_metric="fid", eval_num_samples=64)
    trainer = GANTrainer(cfg)
    trainer.train()
    evals = trainer.history["eval"]
    assert [e["step"] for e in evals] == [2, 4] and all(e["fid"] > 0 for e in evals)
    best = GANPipeline.from_pretrained(os.path.join(cfg.output_dir, "best"))
    assert best.card_data["best_step"] == min(evals, key=lambda e: e["fid"])["step"]
    assert trainer.best_metric == min(e["fid"] for e in evals)


def test_time_budget_stops_with_checkpoint_and_records_wall_clock(tmp_path, make_config):
    cfg = make_config(max_train_steps=10_000, max_train_minutes=1e-6, logging_steps=2, checkpointing_steps=100)
    trainer = GANTrainer(cfg)
    out = trainer.train()
    assert trainer.step == 2  # the budget is checked at logging steps
    state = json.load(open(os.path.join(list_checkpoints(out)[-1], "trainer_state.json")))
    assert state["step"] == 2 and state["train_seconds"] > 0
    pipe = GANPipeline.from_pretrained(out)
    assert pipe.card_data["train_steps"] == 2 and pipe.card_data["train_minutes"] >= 0
    assert "Training wall clock: 2 steps" in open(os.path.join(out, "README.md")).read()
    # resuming keeps counting: the wall clock of the first run is carried over
    resumed = GANTrainer(make_config(max_train_steps=4, resume_from_checkpoint="latest", logging_steps=2))
    resumed.train()
    assert resumed.step == 4 and resumed.train_seconds >= state["train_seconds"]
    assert resumed._elapsed() > state["train_seconds"]


def test_bad_time_budget_is_a_clear_error(tmp_path, make_config):
    from hfgan.errors import ConfigError

    with pytest.raises(ConfigError, match="max_train_minutes"):
        make_config(max_train_minutes=0)


def test_linear_lr_schedule_decays_and_resumes_exactly(tmp_path, make_config):
    extra = dict(lr_scheduler="linear", lr_warmup_steps=2, checkpointing_steps=3, max_train_steps=6)
    full = GANTrainer(make_config("full", **extra))
    full.train()
    assert full.optimizers["G"].param_groups[0]["lr"] == 0.0  # linear decay reaches 0 at max_train_steps
    middle = list_checkpoints(tmp_path / "full")[0]
    assert middle.endswith("checkpoint-3")
    resumed = GANTrainer(make_config("resumed", resume_from_checkpoint=middle, **extra))
    resumed.train()
    _assert_same(_weights(tmp_path / "full"), _weights(tmp_path / "resumed"))


def test_step_lr_schedule_continues_a_constant_run_exactly(tmp_path, make_config):
    # a run saved with a constant learning rate, resumed with a step drop that starts at the checkpoint,
    # ends with the same weights as one run with that schedule from the start
    extra = dict(lr_scheduler="piecewise_constant", lr_step_rules="1:3,0.1", checkpointing_steps=3, max_train_steps=6)
    full = GANTrainer(make_config("full", **extra))
    full.train()
    assert full.optimizers["G"].param_groups[0]["lr"] == pytest.approx(0.1 * full.config.learning_rate_g)
    GANTrainer(make_config("part", max_train_steps=3, checkpointing_steps=3)).train()
    resumed = GANTrainer(make_config("part", resume_from_checkpoint="latest", **extra))
    resumed.train()
    assert resumed.optimizers["D"].param_groups[0]["lr"] == pytest.approx(0.1 * resumed.config.learning_rate_d)
    _assert_same(_weights(tmp_path / "full"), _weights(tmp_path / "part"))


@pytest.mark.parametrize("extra", [dict(lr_scheduler="piecewise_constant"), dict(lr_step_rules="1:3,0.1"),
                                   dict(lr_scheduler="piecewise_constant", lr_step_rules="1:5,0.5:3,0.1")])
def test_bad_step_rules_are_a_clear_error(tmp_path, make_config, extra):
    from hfgan.errors import ConfigError

    with pytest.raises(ConfigError, match="lr_step_rules"):
        make_config(**extra)


def test_resume_with_new_ema_decay_keeps_the_saved_average(tmp_path, make_config):
    GANTrainer(make_config("run", max_train_steps=3, checkpointing_steps=3)).train()
    checkpoint = list_checkpoints(tmp_path / "run")[-1]
    trainer = GANTrainer(make_config("run", max_train_steps=6, ema_decay=0.9, resume_from_checkpoint="latest"))
    trainer._setup()
    trainer.load_checkpoint(checkpoint)
    saved = load_file(os.path.join(checkpoint, "ema.safetensors"))
    _assert_same(saved, {k: v for k, v in trainer.emas["generator"].shadow.state_dict().items() if k in saved})
    assert trainer.emas["generator"].num_updates == 3 and trainer.emas["generator"].decay == 0.9


def test_resuming_a_scheduled_run_at_a_constant_rate_is_a_clear_error(tmp_path, make_config):
    from hfgan.errors import HFGANError

    GANTrainer(make_config("run", max_train_steps=3, checkpointing_steps=3, lr_scheduler="linear")).train()
    with pytest.raises(HFGANError, match="learning-rate schedule"):
        GANTrainer(make_config("run", max_train_steps=6, resume_from_checkpoint="latest")).train()


def test_resume_of_a_run_without_ema_starts_the_average_from_the_loaded_weights(tmp_path, make_config):
    GANTrainer(make_config("run", max_train_steps=3, checkpointing_steps=3, use_ema=False)).train()
    checkpoint = list_checkpoints(tmp_path / "run")[-1]
    trainer = GANTrainer(make_config("run", max_train_steps=6, resume_from_checkpoint="latest"))
    trainer._setup()
    trainer.load_checkpoint(checkpoint)
    generator = trainer.accelerator.unwrap_model(trainer.nets["generator"]).state_dict()
    _assert_same(generator, trainer.emas["generator"].shadow.state_dict())
    assert trainer.emas["generator"].num_updates == 3


def test_sigterm_stops_after_the_step_with_a_checkpoint_and_the_pipeline(tmp_path, tiny_args, procs):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "hfgan.cli", "train", "mlp-gan-fashion-mnist",
           *tiny_args(out, max_train_steps=100000, checkpointing_steps=100000, sample_steps=2, lr_scheduler="constant")]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (out / "samples" / "step_000004.png").exists():
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    try:
        stdout, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("SIGTERM did not stop the run within 60 s")
    assert proc.returncode == 0, err[-2000:]
    assert "SIGTERM received" in err and "received; continue with --resume latest" in stdout
    (last,) = list_checkpoints(out)  # no periodic checkpoint was due: this one was written for the stop
    step = json.load(open(os.path.join(last, "trainer_state.json")))["step"]
    assert 4 <= step < 100000 and (out / "model_index.json").is_file()
    procs.run(cmd[:-2] + ["--max_train_steps", str(step + 2), "--resume", "latest"], env=env, check=True)
    assert json.load(open(os.path.join(list_checkpoints(out)[-1], "trainer_state.json")))["step"] == step + 2


def test_a_second_sigint_interrupts_at_once():
    import hfgan.training.stop as stop

    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # a background job may start with it ignored
    try:
        with stop.StopRequests() as stops:
            signal.raise_signal(signal.SIGINT)
            assert stops.name == "SIGINT"
            with pytest.raises(KeyboardInterrupt):
                signal.raise_signal(signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with stop.StopRequests() as stops:  # an ignored signal stays ignored
            signal.raise_signal(signal.SIGINT)
            assert stops.signal is None
    finally:
        signal.signal(signal.SIGINT, before)
