"""`cpom templates preview --terms FICHIER --output DOSSIER`: every notice and document kind of a
contract rendered for review, in its lead authority's own templates and identity."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cpom.cli.input_files import InputError, os_reason, read_document


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "templates",
        help="modèles des avis et des documents",
        description="Modèles des avis et des documents : aperçu de chacun pour un contrat.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    preview = actions.add_parser(
        "preview",
        help="écrire chaque avis et chaque document d'un contrat dans un dossier",
        description="Écrit dans un dossier chaque sorte d'avis (texte et HTML) et de document "
        "(PDF et HTML) d'un contrat, dans les modèles de son autorité (CPOM_TEMPLATE_OVERRIDES) "
        "et avec son identité (CPOM_AUTHORITIES_FILE), pour en relire la rédaction. Les faits "
        "sont fictifs, datés d'après le calendrier du contrat.",
    )
    preview.add_argument(
        "--terms",
        type=Path,
        required=True,
        metavar="FICHIER",
        help="termes du contrat (JSON ou TOML)",
    )
    preview.add_argument(
        "--output",
        type=Path,
        default=Path("apercu-modeles"),
        metavar="DOSSIER",
        help="dossier où écrire les fichiers (défaut : apercu-modeles)",
    )
    preview.set_defaults(handler=run_preview)


def run_preview(args: argparse.Namespace) -> int:
    # Imported here: rendering loads the printing stack, which the other commands never need.
    from cpom import identities
    from cpom.domain.terms_input import contract_from_mapping
    from cpom.rendering import Renderer
    from cpom.settings import get_settings
    from cpom.template_preview import preview

    settings = get_settings()
    terms, objectives = contract_from_mapping(read_document(args.terms))
    try:
        known = identities.load(settings.authorities_file)
    except identities.InvalidIdentities as error:
        raise InputError(f"CPOM_AUTHORITIES_FILE : {error}") from None
    renderer = Renderer(
        settings.templates_dir,
        known,
        settings.template_overrides,
        settings.effective_public_url(),
    )
    print(f"… aperçu des modèles de {terms.reference} dans {args.output}", file=sys.stderr)
    try:
        written = preview(
            renderer,
            terms,
            objectives,
            args.output,
            on_progress=lambda kind: print(f"… {kind}", file=sys.stderr),
        )
    except OSError as error:
        raise InputError(f"impossible d'écrire dans {args.output} : {os_reason(error)}") from None
    for item in written:
        print(f"{args.output / item.name}\t{item.label}")
    print(f"… terminé : {len(written)} fichiers", file=sys.stderr)
    return 0
