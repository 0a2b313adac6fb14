"""DCGAN-64 training steps (batch 64, registry widths, the dcgan recipe) fed from an in-memory uint8 tensor and from an
image folder's Arrow rows (``ArrowImageData``, 2 DataLoader workers), alternating step by step in one process, torch on
1 thread. ARROW_FILE is the folder's Arrow cache (what ``datasets``' imagefolder writes on first opening it, e.g. by
``python benchmarks/benchmark_data.py --folder DIR``), ROUNDS the steps timed for each::

    python benchmarks/benchmark_data_step.py ~/.cache/huggingface/datasets/imagefolder/.../imagefolder-train.arrow 4
"""
import argparse, time, tempfile, torch, datasets
parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("arrow_file", help="the image folder's Arrow cache")
parser.add_argument("rounds", type=int, help="steps timed for each feed")
args = parser.parse_args()
torch.set_num_threads(1)
from hfgan.data import ImageTensorData
from hfgan.data import ArrowImageData
from hfgan.training import GANTrainer
from hfgan.training.recipes import config_for_model
ds = datasets.Dataset.from_file(args.arrow_file)
def trainer(in_memory, out):
    cfg = config_for_model({"model": "dcgan", "dataset": "folder", "resolution": 64, "train_batch_size": 64,
                            "max_train_steps": 100, "data_in_memory": "false", "dataloader_num_workers": 2,
                            "report_to": "none", "num_sample_images": 4, "output_dir": out, "num_threads": 1})
    if in_memory:
        data = ImageTensorData(torch.randint(0, 256, (512, 3, 64, 64), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)))
    else:
        data = ArrowImageData(ds, "folder", resolution=64, channels=3, num_workers=2)
    t = GANTrainer(cfg, data=data); t._setup(); t._run_step(); return t
with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
    mem, arrow = trainer(True, a), trainer(False, b)
    times = {"memory": [], "arrow": []}
    for r in range(args.rounds):
        for name, t in (("memory", mem), ("arrow", arrow)):
            s = time.perf_counter(); t._run_step(); times[name].append(time.perf_counter() - s)
            print(name, r, round(times[name][-1], 2), flush=True)
    arrow.data.close()
for name, ts in times.items():
    print(f"{name}: {64 * len(ts) / sum(ts):.2f} img/s over {len(ts)} steps", [round(x, 2) for x in ts])
