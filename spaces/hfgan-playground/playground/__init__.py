"""The hfgan playground Space, as a package beside ``app.py``.

Everything outside :mod:`playground.ui` is plain Python (no gradio import): model discovery and the
pipeline cache (:mod:`.models`), input checking (:mod:`.inputs`), generation (:mod:`.generation`),
image-to-image translation (:mod:`.translation`), display helpers (:mod:`.display`, :mod:`.summary`) and
:class:`~playground.service.Playground`, which addresses all of it by model name. :mod:`playground.ui`
holds one module per tab and the layout (:func:`playground.ui.layout.build_demo`).
"""

import os

# Before anything imports gradio: no analytics, no telemetry.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
