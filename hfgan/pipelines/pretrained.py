"""``hfgan.create_model``, as timm users know it: a registered variant by name (:func:`hfgan.models.create_model`),
or ``"hf-hub:org/name"``, the networks of the pipeline published in that Hub repo.

It lives with the pipelines because a published model is loaded as a pipeline; the models layer below knows only
its registered variants.
"""

from typing import Any, Dict, Optional, Tuple

from ..errors import ConfigError, HFGANError
from ..models import registry
from .pipeline_utils import load_pipeline

HF_HUB_PREFIX = "hf-hub:"


def _hub_model(name: str, pretrained: bool, overrides: Dict[str, Optional[Dict]]) -> Tuple[Any, Any]:
    """``(generator, discriminator)`` of the pipeline published as the Hub repo ``hf-hub:<org/name>``: its trained
    networks, or with ``pretrained=False`` new ones of the same configs (as timm's ``create_model``)."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    repo_id = name[len(HF_HUB_PREFIX):]
    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        raise ConfigError(f"{name[:100]!r}: {HF_HUB_PREFIX} takes a Hub repo id such as 'hf-hub:org/name' (load a "
                          "local pipeline folder with hfgan.load_pipeline(path))") from None
    given = [key for key, value in overrides.items() if value]
    if given:
        raise ConfigError(f"{name}: {', '.join(given)} apply to registered variants only; a published model keeps its "
                          "config (build it with create_model(<registered name>, ...) to change it)")
    pipe = load_pipeline(repo_id)
    modules = [getattr(pipe, component, None) for component in ("generator", "discriminator")]
    if modules[1] is None:
        raise HFGANError(f"{repo_id} has no discriminator: load its generator with hfgan.load_pipeline({repo_id!r})")
    if not pretrained:
        modules = [type(module).from_config(module.config) for module in modules]
    return modules[0], modules[1]


def create_model(name: str, generator_kwargs: Optional[Dict] = None, discriminator_kwargs: Optional[Dict] = None,
                 pretrained: bool = False) -> Tuple[Any, Any]:
    """Build ``(generator, discriminator)``: a registered variant with config overrides, or, as timm's
    ``create_model``, ``"hf-hub:org/name"``: the networks of the pipeline published in that Hub repo, trained with
    ``pretrained=True`` (new ones of the same configs without). Registered variants have no pretrained weights:
    ``pretrained=True`` on one is a :class:`~hfgan.errors.ConfigError`.

    Example:

    ```py
    >>> import hfgan
    >>> generator, discriminator = hfgan.create_model("dcgan-28", {"base_channels": 32})
    >>> generator, discriminator = hfgan.create_model("hf-hub:org/dcgan-fashion-mnist", pretrained=True)
    ```
    """
    if isinstance(name, str) and name.startswith(HF_HUB_PREFIX):
        return _hub_model(name, pretrained, {"generator_kwargs": generator_kwargs,
                                             "discriminator_kwargs": discriminator_kwargs})
    return registry.create_model(name, generator_kwargs, discriminator_kwargs, pretrained=pretrained)
