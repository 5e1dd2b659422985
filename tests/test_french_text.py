"""French as cpom prints it: no-break spaces where French typography wants them, set on whatever
is rendered (`cpom.french_typography`), and names with their article after a preposition
(`cpom.french_articles`)."""

import time

from cpom.french_articles import Named, capitalized, of, to, with_article
from cpom.french_typography import typeset, typeset_html

NBSP = "\u00a0"


def test_punctuation_and_guillemets_get_a_no_break_space() -> None:
    assert typeset("Objet : avenant ; ok? «fin» !") == (
        f"Objet{NBSP}: avenant{NBSP}; ok{NBSP}? «{NBSP}fin{NBSP}»{NBSP}!"
    )
    # A narrow no-break space typed by someone becomes the convention's.
    assert typeset("déjà\u202f;") == f"déjà{NBSP};"
    assert typeset("demande n° 12") == f"demande n°{NBSP}12"
    assert typeset("article R. 421-1, art. 12") == f"article{NBSP}R.{NBSP}421-1, art.{NBSP}12"
    # Idempotent: what is set stays set.
    once = typeset("Objet : « x »")
    assert typeset(once) == once


def test_addresses_hours_and_line_starts_are_left_alone() -> None:
    for text in (
        "à 10:30",
        "https://cpom.example/tableau/contrats/X?vue=1;a",
        "www.telerecours.fr",
        "mailto:cpom@x.fr",
        "a\n: b",
    ):
        assert typeset(text) == text
    assert typeset("cpom@x.fr : écrire") == f"cpom@x.fr{NBSP}: écrire"


def test_addresses_are_found_wherever_they_begin() -> None:
    assert typeset("(cpom@x.fr) : écrire") == f"(cpom@x.fr){NBSP}: écrire"
    assert typeset("@@x.fr : b") == f"@@x.fr{NBSP}: b"
    # The digits and signs glued before a scheme stay prose.
    assert typeset("«1https://x.fr/a;b»") == f"«{NBSP}1https://x.fr/a;b{NBSP}»"
    assert typeset("voir : www.x.fr;a") == f"voir{NBSP}: www.x.fr;a"


def test_a_long_word_is_read_in_one_pass() -> None:
    """Any text a person types goes through here (a name of 100,000 letters took a minute, and
    held the worker meanwhile): each run of letters is read once, not once per letter."""
    n = 40_000
    for word in ("x" * n, "x" * n + "@", "a1" * (n // 2) + " https://x.fr", " " * n):
        began = time.process_time()
        assert typeset(word + " ?").endswith(f"{NBSP}?")
        # 5 ms; read once per letter, 9 s
        assert time.process_time() - began < 1.0, word[:10]


def test_html_is_set_in_its_text_only() -> None:
    page = (
        '<p style="color: red">Objet <b>x</b> : l&#39;avis ; &amp; ?</p>'
        "<style>a:hover { content: 'x : y' }</style><script>if (a) { b: 1 }</script>"
        '<a href="https://x/?y=1">lien</a><textarea>tel quel : oui</textarea><!-- a : b -->'
    )
    assert typeset_html(page) == (
        f'<p style="color: red">Objet <b>x</b>{NBSP}: l&#39;avis{NBSP}; &amp;{NBSP}?</p>'
        "<style>a:hover { content: 'x : y' }</style><script>if (a) { b: 1 }</script>"
        '<a href="https://x/?y=1">lien</a><textarea>tel quel : oui</textarea><!-- a : b -->'
    )


def test_names_take_their_article_and_its_contractions() -> None:
    departement = Named("Département d'Ille-et-Vilaine", "le")
    assert str(departement) == "Département d'Ille-et-Vilaine"
    assert (departement.the, departement.of, departement.to) == (
        "le Département d'Ille-et-Vilaine",
        "du Département d'Ille-et-Vilaine",
        "au Département d'Ille-et-Vilaine",
    )
    ars = Named("ARS Bretagne", "la")
    assert (ars.the, ars.of, ars.to) == ("l'ARS Bretagne", "de l'ARS Bretagne", "à l'ARS Bretagne")
    prefecture = Named("Préfecture de la région Bretagne", "la")
    assert (prefecture.of, prefecture.to) == (
        "de la Préfecture de la région Bretagne",
        "à la Préfecture de la région Bretagne",
    )
    assert with_article("Hôpital de Vitré", "l'") == "l'Hôpital de Vitré"
    assert with_article("Ministres", "les") == "les Ministres"
    assert (of("les ministres"), to("les ministres")) == ("des ministres", "aux ministres")
    # A name used bare: « de » elided before a vowel.
    assert (of("Association Âge et Vie"), of("SAD 35"), to("SAD 35")) == (
        "d'Association Âge et Vie",
        "de SAD 35",
        "à SAD 35",
    )
    assert capitalized("l'ARS Bretagne") == "L'ARS Bretagne"
