"""`cpom presets [--preset P] [--json]`: each sector preset, its values and their bases."""

from __future__ import annotations

import argparse
import dataclasses
import json
from enum import Enum
from typing import Any

from cpom.domain.presets import PRESETS, Preset
from cpom.domain.terms import MonthDay, Sector


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "presets",
        help="les préréglages de secteur, leurs valeurs et leurs fondements",
        description="Affiche chaque préréglage : la valeur de chaque paramètre du contrat et, "
        "pour chacun, la règle en clair, l'article du contrat type et le texte de loi.",
    )
    parser.add_argument(
        "--preset", choices=[s.value for s in Sector], help="un seul préréglage (défaut : tous)"
    )
    parser.add_argument("--json", action="store_true", help="en JSON")
    parser.set_defaults(handler=run)


def _value(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, MonthDay):
        return str(value)
    if isinstance(value, tuple):
        return [_value(item) for item in value]
    return value


def preset_to_dict(preset: Preset) -> dict[str, Any]:
    rules = {
        f.name: _value(getattr(preset.rules, f.name)) for f in dataclasses.fields(preset.rules)
    }
    return {
        "preset": preset.sector.value,
        "label": preset.label,
        "authority_kind": preset.authority_kind.value,
        "rules": rules,
        "notes": [
            {
                "parameters": {name: rules[name] for name in note.parameters},
                "rule": note.text,
                "law": note.law,
                "source": note.source,
            }
            for note in preset.notes
        ],
    }


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "aucun" if value is None else str(value)


def preset_to_text(preset: Preset) -> str:
    described = preset_to_dict(preset)
    lines = [f"{preset.label} — préréglage {preset.sector.value}"]
    for note in described["notes"]:
        values = " ; ".join(
            f"{name} = {_shown(value)}" for name, value in note["parameters"].items()
        )
        lines.append(f"  • {note['rule']}")
        lines.append(f"    fondement : {note['law']}")
        lines.append(f"    paramètres : {values}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    chosen = [PRESETS[Sector(args.preset)]] if args.preset else list(PRESETS.values())
    if args.json:
        print(json.dumps([preset_to_dict(p) for p in chosen], ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(preset_to_text(p) for p in chosen))
    return 0
