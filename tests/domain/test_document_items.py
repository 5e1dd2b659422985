"""Document items read as people write them, in letters and forms."""

from cpom.domain.lifecycle import ITEM_LABELS, item_label, items_in_words
from cpom.domain.presets import PRESETS


def test_every_preset_item_has_its_french_words() -> None:
    items = {item for preset in PRESETS.values() for item in preset.rules.annual_document_items}
    assert items <= ITEM_LABELS.keys()
    assert items >= {"rapport_activite", "synthese_fiches_objectifs", "errd"}


def test_items_read_in_french() -> None:
    assert item_label("rapport_activite") == "rapport d'activité"
    assert item_label("errd") == "ERRD"
    assert item_label("etat_des_lieux_immobilier") == "etat des lieux immobilier"
    assert items_in_words("synthese_fiches_objectifs, tableau_depenses_recettes,") == (
        "synthèse des fiches objectifs, tableau des dépenses et des recettes"
    )
    # Already in words (a template's preview): unchanged.
    assert items_in_words("rapport d'activité, compte administratif") == (
        "rapport d'activité, compte administratif"
    )
