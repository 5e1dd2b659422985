"""Each authority's identity from the configuration file (CPOM_AUTHORITIES_FILE): read with every
mistake named in French at its place, printed by documents (logo, service, address, « Fait à »,
signatories) and served by the API."""

import io
from dataclasses import replace
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from activities.mail_headers import POLICY
from cpom.document_parts import named_authority
from cpom.domain.agenda import DocumentKind
from cpom.domain.terms import AuthorityKind
from cpom.french_articles import with_article
from cpom.identities import InvalidIdentities, Signatory, load, parse
from cpom.rendering import Renderer
from cpom.settings import ROOT
from tests.golden import pdf_text
from tests.test_documents import PROROGATION
from tests.workflows.helpers import contract

EXAMPLE = ROOT / "examples" / "autorites.toml"


def test_the_example_file_gives_each_authority_and_gestionnaire_signatory() -> None:
    identities = load(EXAMPLE)
    departement = identities.authority("departement")
    assert departement.city == "Rennes"
    assert departement.signatory == Signatory(
        "M. Jean-Luc Chenut", "Président du conseil départemental"
    )
    assert departement.logo == ROOT / "examples" / "logos" / "departement-35.svg"
    assert identities.gestionnaire("732829320").title == "Présidente"
    # A party the file does not list: blanks, never an error.
    assert identities.authority("etat").city == ""
    assert identities.gestionnaire(None) == Signatory()
    assert load(None).authorities == {}


def test_an_authoritys_article_and_hierarchical_superior_default_to_its_kind() -> None:
    identities = load(EXAMPLE)
    ars = identities.authority("ars")
    assert (ars.article_for(AuthorityKind.ARS), ars.superior_for(AuthorityKind.ARS)) == (
        "la",
        "le ministre chargé de la santé",
    )
    departement = identities.authority("departement")
    assert departement.superior_for(AuthorityKind.DEPARTEMENT) == ""
    unlisted = identities.authority("etat")
    assert unlisted.article_for(AuthorityKind.ETAT) == "la"
    assert unlisted.superior_for(AuthorityKind.ETAT) == "le ministre compétent"
    assert identities.gestionnaire_article("782832901") == "l'"
    assert identities.gestionnaire_article("732829320") == ""
    # Said in the file, even as none, it is the file's.
    said, problems = parse(
        {"authorities": {"ars": {"article": "", "hierarchical_superior": ""}}}, ROOT
    )
    assert problems == []
    assert said.authority("ars").article_for(AuthorityKind.ARS) == ""
    assert said.authority("ars").superior_for(AuthorityKind.ARS) == ""


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("Ville de Paris", "la Ville de Paris"),
        ("Collectivité européenne d'Alsace", "la Collectivité européenne d'Alsace"),
        ("Métropole de Lyon", "la Métropole de Lyon"),
        ("Département du Nord", "le Département du Nord"),
        ("Conseil départemental du Nord", "le Conseil départemental du Nord"),
        ("Paris", "le Paris"),  # a name its first word does not tell: its kind's article
    ],
)
def test_an_authority_holding_a_departements_powers_takes_its_names_article(
    name: str, written: str
) -> None:
    """Found by probing: « Le Ville de Paris dispose d'un délai… », « Pour le Ville de Paris »."""
    unlisted = load(EXAMPLE).authority("ville-de-paris")
    article = unlisted.article_for(AuthorityKind.DEPARTEMENT, name)
    assert with_article(name, article) == written
    # An article the identity says is the identity's.
    said, _ = parse({"authorities": {"ville-de-paris": {"article": "le"}}}, ROOT)
    assert said.authority("ville-de-paris").article_for(AuthorityKind.DEPARTEMENT, name) == "le"


def test_the_documents_name_the_ville_de_paris_with_its_article() -> None:
    terms = contract()
    paris = replace(terms, authority=replace(terms.authority, name="Ville de Paris"))
    named = named_authority(paris.authority, load(None))  # no identity: nothing says its article
    assert (named.the, named.of, named.to) == (
        "la Ville de Paris",
        "de la Ville de Paris",
        "à la Ville de Paris",
    )


def test_an_article_must_be_one() -> None:
    _, problems = parse(
        {
            "authorities": {"ars": {"article": "une"}},
            "gestionnaires": {"732829320": {"article": "des"}},
        },
        ROOT,
    )
    assert problems == [
        "authorities.ars.article : « une » n'est pas un article ; articles possibles : « le », "
        "« la », « l' », « les » ou une chaîne vide (aucun article)",
        "gestionnaires.732829320.article : « des » n'est pas un article ; articles possibles : "
        "« le », « la », « l' », « les » ou une chaîne vide (aucun article)",
    ]


def test_every_mistake_is_named_at_its_place(tmp_path: Path) -> None:
    raw = {
        "autorites": {},
        "authorities": {
            "cd35": {
                "city": 35,
                "sender": "cpom@",
                "logo": "logo.gif",
                "signatory": {"name": "M. X", "role": "président"},
                "colour": "bleu",
            },
            "ars": {"logo": "absent.png", "service": "x" * 301},
            "etat": "Préfecture",
        },
        "gestionnaires": {"123456789": {"signatory": {"name": "Mme Y"}}},
    }
    _, problems = parse(raw, tmp_path)
    assert problems == [
        "autorites : champ inconnu ; champs possibles : authorities, gestionnaires",
        "authorities.cd35.colour : champ inconnu ; champs possibles : address, article, city, "
        "contact, court, hierarchical_superior, logo, phone, sender, service, signatory",
        "authorities.cd35.city : attendu un texte",
        "authorities.cd35.sender : « cpom@ » n'est pas une adresse d'expédition valide (forme "
        "attendue : Service <adresse@domaine.fr>)",
        "authorities.cd35.signatory.role : champ inconnu ; champs possibles : name, title",
        "authorities.cd35.logo : le logo est une image PNG, JPEG ou SVG (logo.gif)",
        "authorities.ars.service : 300 caractères au plus",
        f"authorities.ars.logo : fichier introuvable ({tmp_path / 'absent.png'})",
        "authorities.etat : attendu une table (clé = valeur)",
        "gestionnaires.123456789 : « 123456789 » n'est pas un numéro valide (9 chiffres, clé "
        "de Luhn)",
    ]


def test_a_file_that_cannot_be_used_stops_with_its_problems(tmp_path: Path) -> None:
    with pytest.raises(InvalidIdentities) as missing:
        load(tmp_path / "absent.toml")
    assert str(missing.value) == (
        f"{tmp_path / 'absent.toml'} : fichier illisible (No such file or directory)"
    )
    broken = tmp_path / "autorites.toml"
    broken.write_text("[authorities.cd35\n", encoding="utf-8")
    with pytest.raises(InvalidIdentities) as invalid:
        load(broken)
    assert str(invalid.value).startswith(f"{broken} : TOML invalide : ")


def test_documents_print_the_authoritys_letterhead_and_signatories() -> None:
    renderer = Renderer(ROOT / "templates", load(EXAMPLE))
    document = renderer.document(
        DocumentKind.AVENANT_PROROGATION, contract(), PROROGATION, date(2028, 7, 4)
    )
    text = " ".join(pdf_text(document.pdf).split())
    assert text.startswith(
        "DÉPARTEMENT D'ILLE-ET-VILAINE Direction de l'autonomie — Service de l'offre à domicile "
        "1 avenue de la Préfecture CS 24218 35042 Rennes Cedex"
    )
    assert "agissant par M. Jean-Luc Chenut, Président du conseil départemental" in text
    assert "agissant par Mme Sophie Bernard, Présidente" in text
    assert "Fait à Rennes, le 4 juillet 2028" in text
    assert "devant le tribunal administratif de Rennes" in text
    # The logo is inside the document: an image on its first page, and in the HTML kept.
    resources = PdfReader(io.BytesIO(document.pdf)).pages[0]["/Resources"].get_object()
    assert isinstance(resources, DictionaryObject)
    assert "/XObject" in resources
    assert 'src="data:image/svg+xml;base64,' in document.html


@pytest.mark.parametrize(
    ("typed", "kept", "name", "address"),
    [
        ("Conseil départemental <cpom@cd35.fr>", None, "Conseil départemental", "cpom@cd35.fr"),
        ("cpom@cd35.fr", None, "", "cpom@cd35.fr"),
        (
            "Direction Autonomie, Pôle CPOM <cpom@cd35.fr>",
            '"Direction Autonomie, Pôle CPOM" <cpom@cd35.fr>',
            "Direction Autonomie, Pôle CPOM",
            "cpom@cd35.fr",
        ),
        ("A@b <cpom@cd35.fr>", '"A@b" <cpom@cd35.fr>', "A@b", "cpom@cd35.fr"),
        ('"DGA : CPOM" <cpom@cd35.fr>', None, "DGA : CPOM", "cpom@cd35.fr"),
    ],
)
def test_a_sender_is_the_one_address_the_from_header_reads(
    typed: str, kept: str | None, name: str, address: str
) -> None:
    """Found by probing: a comma in the service's name made a From header of two addresses,
    and every notice of the authority failed for good."""
    identities, problems = parse({"authorities": {"cd35": {"sender": typed}}}, ROOT)
    assert problems == []
    sender = identities.authority("cd35").sender
    assert sender == (kept or typed)
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    [read] = message["From"].addresses
    assert (read.display_name, read.addr_spec) == (name, address)


@pytest.mark.parametrize(
    "typed",
    [
        "ARS\r\nBcc: victime@evil.example\r\nX: <cpom@ars-pdl.example>",
        "Service <cpom@cd35.fr> et plus",
        "Conseil départemental : DGA ‹cpom@cd35.fr>",
    ],
)
def test_a_sender_that_is_not_one_address_is_refused(typed: str) -> None:
    _, problems = parse({"authorities": {"cd35": {"sender": typed}}}, ROOT)
    assert problems == [
        f"authorities.cd35.sender : « {typed} » n'est pas une adresse d'expédition valide "
        "(forme attendue : Service <adresse@domaine.fr>)"
    ]
