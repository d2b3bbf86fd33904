"""The allergen vocabulary and its free-text matcher (pure; property tests with hypothesis)."""

from __future__ import annotations

import itertools
import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mesodesk.knowledge.allergens import AllergenVocabulary, fuzzy_budget, normalise, vocabulary
from mesodesk.knowledge.loader import knowledge

WORDS: AllergenVocabulary = vocabulary(knowledge())
ENTRIES = sorted(WORDS.entries)
# (entry key, one of its names) for every name of the vocabulary.
NAMES = [(key, name) for key in ENTRIES for name in WORDS.entries[key].names]
EXACT = {name.replace(" ", "") for _, name in NAMES}


def keys_of(text: str) -> set[str]:
    """The entries a text was matched to (by label)."""
    labels = set(WORDS.match(text).matched)
    return {k for k in ENTRIES if WORDS.entries[k].label in labels}


@pytest.mark.parametrize(
    ("typed", "label", "ingredient"),
    [
        ("Bupivacaine", "Bupivacaine", "lidocaine"),
        ("Marcaine", "Bupivacaine", "prilocaine"),
        ("EMLA cream", "EMLA cream (lidocaine + prilocaine)", "lidocaine"),
        ("local anaesthetic", "Local anaesthetics (amide and ester)", "lidocaine"),
        ("Local Anesthetics", "Local anaesthetics (amide and ester)", "procaine"),
        ("Novocaine", "Procaine", "procaine"),
        ("lidocain", "Lidocaine", "lidocaine"),
        ("Xylocaine", "Lidocaine", "prilocaine"),
        ("lignocaine", "Lidocaine", "lidocaine"),
        ("Kybella", "Deoxycholic acid", "deoxycholic_acid"),
        ("Hylenex", "Hyaluronidase", "hyaluronidase"),
        ("soya", "Soy", "phosphatidylcholine"),
        (
            "Lipostabil",
            "PC/DC 'lipodissolve' (phosphatidylcholine + deoxycholate)",
            "phosphatidylcholine",
        ),
    ],
)
def test_it_recognises_the_ways_people_write_an_allergen(
    typed: str, label: str, ingredient: str
) -> None:
    found = WORDS.match(typed)
    assert label in found.matched
    assert ingredient in found.ingredients


@pytest.mark.parametrize("typed", ["bee venom", "Wasp", "bee stings", "wasp sting"])
def test_it_reads_a_venom_allergy_as_the_venom_class(typed: str) -> None:
    found = WORDS.match(typed)
    assert found.groups == {"bee_wasp_venom"}
    assert not found.ingredients  # a venom allergy is a caution for hyaluronidase, not a block


def test_an_allergy_to_one_nsaid_only_relates_to_the_others() -> None:
    found = WORDS.match("Ibuprofen")
    assert not found.ingredients
    assert found.related == {"ketoprofen", "piroxicam"}


@pytest.mark.parametrize("typed", ["Penicillin", "latex", "nickel", "codeine", "cats", "", "!!"])
def test_it_recognises_nothing_it_does_not_know(typed: str) -> None:
    assert not WORDS.match(typed).recognised


def test_it_suggests_entries_as_the_person_types() -> None:
    assert "Xylocaine" in [s.value for s in WORDS.suggest("xylo")]
    assert "Lidocaine" in [s.value for s in WORDS.suggest("lidocain")]
    assert [s.value for s in WORDS.suggest("wasp")] == ["Bee or wasp stings"]
    assert WORDS.suggest("x") == []


@given(st.sampled_from(NAMES))
def test_every_name_matches_its_own_entry(item: tuple[str, str]) -> None:
    key, name = item
    assert key in keys_of(name)


@settings(max_examples=300)
@given(st.sampled_from(NAMES))
def test_a_name_never_matches_an_unrelated_entry(item: tuple[str, str]) -> None:
    key, name = item
    assert all(WORDS.related(key, other) for other in keys_of(name))


def test_no_two_unrelated_entries_match_each_others_names() -> None:
    for (a, name_a), (b, _) in itertools.product(NAMES, NAMES):
        if not WORDS.related(a, b):
            assert b not in keys_of(name_a), (name_a, b)


def _vary(data: st.DataObject, name: str) -> str:
    """The name as someone might type it: any case, accents, punctuation and spacing."""
    accents = {"a": "á", "e": "é", "i": "ï", "o": "ô", "u": "ü", "c": "ç"}
    out = []
    for char in name:
        if char == " ":
            out.append(data.draw(st.sampled_from([" ", "  ", "-", " / ", "_"])))
            continue
        if char in accents and data.draw(st.booleans()):
            char = accents[char]
        out.append(char.upper() if data.draw(st.booleans()) else char)
    return (
        data.draw(st.sampled_from(["", " ", "(", '"']))
        + "".join(out)
        + data.draw(st.sampled_from(["", ".", " ", ")", ","]))
    )


@settings(max_examples=300)
@given(data=st.data(), item=st.sampled_from(NAMES))
def test_case_accents_punctuation_and_spacing_do_not_change_the_match(
    data: st.DataObject, item: tuple[str, str]
) -> None:
    _, name = item
    typed = _vary(data, name)
    assert normalise(typed) == name or normalise(typed).replace(" ", "") == name.replace(" ", "")
    assert WORDS.match(typed).matched == WORDS.match(name).matched


@st.composite
def misspelt(draw: st.DrawFn) -> tuple[str, str, str]:
    """A name of five letters or more with one deletion, insertion, substitution or swap."""
    key, name = draw(st.sampled_from([(k, n) for k, n in NAMES if fuzzy_budget(n)]))
    word = name.replace(" ", "")
    at = draw(st.integers(0, len(word) - 1))
    letter = draw(st.sampled_from(string.ascii_lowercase))
    edit = draw(st.sampled_from(["delete", "insert", "replace", "swap"]))
    if edit == "delete":
        typo = word[:at] + word[at + 1 :]
    elif edit == "insert":
        typo = word[:at] + letter + word[at:]
    elif edit == "replace":
        typo = word[:at] + letter + word[at + 1 :]
    else:
        at = min(at, len(word) - 2)
        typo = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return key, name, typo


@settings(max_examples=500)
@given(misspelt())
def test_a_misspelling_matches_its_own_entry_or_nothing_never_another(
    item: tuple[str, str, str],
) -> None:
    key, _, typo = item
    assume(typo not in EXACT)  # the edit happened to spell another name
    found = keys_of(typo)
    assert all(WORDS.related(key, other) for other in found), (typo, found)


@settings(max_examples=300)
@given(misspelt())
def test_a_single_slip_in_a_distinctive_name_is_still_recognised(
    item: tuple[str, str, str],
) -> None:
    key, _, typo = item
    assume(typo not in EXACT and len(typo) >= 5)  # shorter text is never guessed
    assume(not any(not WORDS.related(key, k) for k in _near(typo)))  # no unrelated rival
    assert key in keys_of(typo) or any(WORDS.related(key, k) for k in keys_of(typo))


def _near(typo: str) -> set[str]:
    """Entries with a name within its fuzzy budget of the typo."""
    from rapidfuzz.distance import OSA

    return {
        k
        for k, n in NAMES
        if fuzzy_budget(n) and OSA.distance(typo, n.replace(" ", "")) <= fuzzy_budget(n)
    }


@pytest.mark.parametrize("typed", ["lidoc", "lidocaxxx", "xylocxxxx", "prcn", "novoxxxne"])
def test_more_slips_than_the_budget_are_not_guessed(typed: str) -> None:
    assert not WORDS.match(typed).recognised


@settings(max_examples=200)
@given(st.text(max_size=60))
def test_any_text_is_answered_without_error(text: str) -> None:
    found = WORDS.match(text)
    assert found.recognised == bool(found.matched)


def test_short_names_are_never_guessed() -> None:
    assert not WORDS.match("emlb").recognised  # EMLA is four letters: exact only
    assert WORDS.match("EMLA").recognised
