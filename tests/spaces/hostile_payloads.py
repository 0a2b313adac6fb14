"""Hostile model-card payloads for the escaping tests (a module of its own: every test folder has a
``conftest``, so ``from conftest import`` would find whichever was imported last)."""

# Card fields and class names that try to run script or smuggle links: each sets window.__pwned (or logs "pwned")
# if the page ever runs it.
HOSTILE = "hostile-tiny"
HOSTILE_CARD = {
    "name": '<img src=x onerror="window.__pwned=1"> Evil <script>window.__pwned=2</script>',
    "description": "[click me](javascript:window.__pwned=3)\n<script>console.log('pwned')</script>\n# not a heading\n"
                   "<iframe src=\"javascript:window.__pwned=4\"></iframe> **not bold**",
    "dataset": '<svg onload="window.__pwned=5"></svg>',
    "metrics": [{"type": "fid", "name": "<b>FID</b> | col", "value": 12.5,
                 "features": "[x](javascript:window.__pwned=7)", "split": "`test`", "num_samples": 10}],
}
HOSTILE_CLASS = '<img src=z onerror="window.__pwned=8">'
HOSTILE_NAME = '<img src=q onerror="window.__pwned=9">'  # typed into the model box
