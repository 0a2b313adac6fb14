"""Image grids (no torchvision), GIFs and loss plots."""

import numpy as np
import pytest
import torch
from PIL import Image

from hfgan import HFGANError
from hfgan.viz import make_image_grid, plot_losses, save_gif


def test_grid_layout_from_tensor_array_and_pil():
    tensor = torch.rand(5, 3, 4, 6)
    grid = make_image_grid(tensor, nrow=2, padding=1, pad_value=0)
    assert grid.mode == "RGB" and grid.size == (2 * (6 + 1) + 1, 3 * (4 + 1) + 1)
    pixels = np.asarray(grid)
    expected = (tensor[3].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    np.testing.assert_array_equal(pixels[6:10, 8:14], expected)  # row 1, column 1
    assert (pixels[:, 0] == 0).all() and (pixels[-6:, -7:] == 0).all()  # padding, and the empty last cell

    arrays = tensor.permute(0, 2, 3, 1).numpy()
    assert np.array_equal(np.asarray(make_image_grid(arrays, nrow=2, padding=1, pad_value=0)), pixels)
    pil = [Image.fromarray((a * 255).round().astype(np.uint8)) for a in arrays]
    assert np.array_equal(np.asarray(make_image_grid(pil, nrow=2, padding=1, pad_value=0)), pixels)


def test_grid_grayscale_default_square_and_scale():
    grid = make_image_grid([Image.new("L", (8, 8), 100)] * 10, scale=3)
    assert grid.mode == "L" and grid.size == (3 * (4 * 10 + 2), 3 * (3 * 10 + 2))  # ceil(sqrt(10)) = 4 per row
    with pytest.raises(HFGANError, match="at least one image"):
        make_image_grid(np.zeros((0, 8, 8, 1), np.uint8))


def test_gif_and_loss_plot(tmp_path):
    frames = [Image.new("L", (8, 8), v) for v in (0, 128, 255)]
    path = save_gif(frames, str(tmp_path / "sub" / "progress.gif"))
    with Image.open(path) as gif:
        assert gif.n_frames == 3 and gif.size == (8, 8)
    with pytest.raises(HFGANError):
        save_gif([], str(tmp_path / "empty.gif"))
    png = plot_losses({"d_loss": [1.0, 0.8, 0.7, 0.65], "g_loss": [0.5, 0.9, 1.1, 1.0], "empty": []},
                      str(tmp_path / "losses.png"), steps=[0, 10, 20, 30], smooth=2)
    with Image.open(png) as image:
        assert image.size == (700, 400)


def test_label_columns_names_each_column_above_an_unchanged_grid():
    from hfgan.viz import label_columns

    grid = make_image_grid(np.zeros((20, 28, 28, 1), np.uint8), nrow=10, scale=2)  # [2 rows x 10 columns]
    labelled = label_columns(grid, ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                                    "Sneaker", "Bag", "Ankle boot"], cell_width=60, padding=4)
    assert labelled.size == (grid.width, grid.height + 14)
    assert np.array_equal(np.asarray(labelled)[14:], np.asarray(grid))  # the grid itself is untouched
    header = np.asarray(labelled)[:14]
    for column in range(10):  # some text over every column
        assert (header[:, 4 + column * 60: 4 + (column + 1) * 60 - 2] < 128).any(), column
    assert label_columns(grid, ["a", "b"], cell_width=8) is grid  # no room for text: no strip


def test_progress_frames_are_labelled_with_their_step_and_conditional_columns_with_class_names():
    from hfgan.tasks.latent import GenerationTask

    task = GenerationTask.__new__(GenerationTask)
    task.num_classes, task._class_names = 10, ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                                               "Shirt", "Sneaker", "Bag", "Ankle boot"]
    assert task.frame_label(250) == "step 250"
    assert task.column_labels()[9] == "Ankle boot"
    task.num_classes = None
    assert task.column_labels() is None
