"""Lets diffusers load this folder: DiffusionPipeline.from_pretrained(repo_or_folder, trust_remote_code=True).

The pipeline class comes from the installed hfgan package (pip install hfgan); this file only names it.
"""

from hfgan import GANPipeline  # noqa: F401
