"""Lets diffusers load this folder: DiffusionPipeline.from_pretrained(repo_or_folder, trust_remote_code=True).

The pipeline classes come from the installed hfgan package (pip install hfgan); this file only names them.
"""

from hfgan import GANImageToImagePipeline, GANPipeline  # noqa: F401
