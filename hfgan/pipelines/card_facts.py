"""The facts a model card states about a pipeline (:class:`hfgan.cards.CardFacts`), read from its components and
the model registry; :mod:`hfgan.cards` renders the card from these alone."""

from ..cards import CardFacts, ComponentFacts


def generator_family(generator, two_way: bool) -> str:
    """The registered family of ``generator`` (:func:`hfgan.models.family_of`; ``two_way``: the pipeline has a
    reverse generator, which tells CycleGAN's U-Net from Pix2Pix's), else its lower-cased class name."""
    from ..models import family_of

    return family_of(generator, two_way) or type(generator).__name__.lower().replace("generator", "") or "gan"


def component_facts(name: str, module) -> ComponentFacts:
    """``module`` (a network of a pipeline, registered as ``name``) as the card's model table shows it."""
    num_parameters = sum(p.numel() for p in module.parameters()) if hasattr(module, "parameters") else 0
    config = {k: v for k, v in dict(getattr(module, "config", {}) or {}).items() if not k.startswith("_")}
    return ComponentFacts(name, type(module).__name__, num_parameters, config)


def pipeline_card_facts(pipe) -> CardFacts:
    """The facts every hfgan pipeline has: its class and task, its networks, its card data and its generator's
    family, image size and channels."""
    modules = {name: module for name, module in pipe.components.items() if module is not None}
    generator = pipe.generator
    config = dict(getattr(generator, "config", None) or {})
    return CardFacts(
        class_name=type(pipe).__name__,
        family=generator_family(generator, "generator_reverse" in modules),
        pipeline_tag=pipe.pipeline_tag,
        sample_size=config.get("sample_size"),
        in_channels=config.get("in_channels"),
        out_channels=config.get("out_channels"),
        components=tuple(component_facts(name, module) for name, module in modules.items()),
        card_data=dict(getattr(pipe, "card_data", None) or {}),
    )
