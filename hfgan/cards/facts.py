"""What a model card states about a pipeline, as plain data.

A pipeline gives its facts through one method, ``pipe.card_facts() -> CardFacts`` (hfgan's pipelines implement it
in :mod:`hfgan.pipelines`); the card is rendered from those facts alone, so the card code knows no pipeline class.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple


@dataclass(frozen=True)
class ComponentFacts:
    """One network of a pipeline, as the card's model table shows it."""

    name: str  # the pipeline's name for it: generator, discriminator, generator_reverse, ...
    class_name: str
    num_parameters: int
    config: Dict[str, Any] = field(default_factory=dict)  # its config, without private ("_"-prefixed) keys


@dataclass(frozen=True)
class CardFacts:
    """The facts of a pipeline that its model card states (see :mod:`hfgan.cards`)."""

    class_name: str  # the pipeline class a reader loads it with: GANPipeline, GANImageToImagePipeline
    family: str  # the registered family of its generator (dcgan, pix2pix, cyclegan), else the class's name
    pipeline_tag: Optional[str] = None  # its Hub task: unconditional-image-generation, image-to-image
    sample_size: Optional[int] = None  # the generator's image size
    in_channels: Optional[int] = None  # the generator's input channels (image-to-image)
    out_channels: Optional[int] = None  # the generator's image channels
    components: Tuple[ComponentFacts, ...] = ()  # the networks present, in registration order
    card_data: Dict[str, Any] = field(default_factory=dict)  # dataset, metrics, training recipe, samples, ...
    num_classes: Optional[int] = None  # class-conditional generators: how many classes, and their names
    class_names: Tuple[str, ...] = ()
    truncation: str = "latents"  # how the generator truncates: latents, standing_stats (BigGAN), w_space (StyleGAN2)

    def component(self, name: str) -> Optional[ComponentFacts]:
        """The component ``name``, or None when the pipeline has none of that name."""
        return next((c for c in self.components if c.name == name), None)


def facts_of(pipe) -> CardFacts:
    """The card facts of ``pipe``: a :class:`CardFacts` as it is, else ``pipe.card_facts()``."""
    return pipe if isinstance(pipe, CardFacts) else pipe.card_facts()
