"""Model cards: rendered from a pipeline's facts, merged with what the user wrote, read back.

* :mod:`~hfgan.cards.facts`: :class:`CardFacts`, what a pipeline tells its card (``pipe.card_facts()``).
* :mod:`~hfgan.cards.text`: what a card may show of user data (no local path) and how (escaped text).
* :mod:`~hfgan.cards.render`: the YAML header and the markdown body (:func:`model_card_text`,
  :func:`write_model_card`).
* :mod:`~hfgan.cards.merge`: hfgan's marked sections, merged into a card the user edited (:func:`merge_cards`), and
  the card data read back from a folder (:func:`read_card_data`).

The card code knows no pipeline class and imports nothing from :mod:`hfgan.pipelines`, which import it; uploading
is :mod:`hfgan.hub`'s.
"""

from .facts import CardFacts, ComponentFacts, facts_of
from .merge import card_images, merge_cards, read_card_data
from .render import card_metadata, card_title, model_card_text, shown_images, without_missing_images, write_model_card
from .text import DATASET_IDS, LOCAL_DATASET, METRIC_NAMES, public_card_data, public_command, public_config

__all__ = [
    "CardFacts", "ComponentFacts", "DATASET_IDS", "LOCAL_DATASET", "METRIC_NAMES", "card_images", "card_metadata",
    "card_title", "facts_of", "merge_cards", "model_card_text", "public_card_data", "public_command", "public_config",
    "read_card_data", "shown_images", "without_missing_images", "write_model_card",
]
