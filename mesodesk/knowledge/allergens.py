"""The allergen vocabulary and its free-text matcher (pure Python, no Django).

An allergy is typed as free text ("Xylocaine", "EMLA cream", "bee stings", "lidocain"). The
matcher normalises it (case, accents, punctuation, spacing), looks for every name, brand and
class name of the vocabulary in it, and only when a part of the text matches nothing exactly,
tries a conservative fuzzy match (rapidfuzz, optimal-string-alignment distance): at most one
edit for names of 5 to 8 letters, two for longer names, none for shorter ones, and never when an
unrelated entry is as close. Text that matches nothing is *unrecognised*, which the screening
reports as a finding of its own; it is never read as "no allergy".
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rapidfuzz.distance import OSA

from mesodesk.knowledge.loader import KnowledgeBase

EntryKind = Literal["substance", "product", "class"]


def normalise(text: str) -> str:
    """Lower case, accents off, every run of non-letters and non-digits one space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def _squash(text: str) -> str:
    return text.replace(" ", "")


def fuzzy_budget(name: str) -> int:
    """How many edits a misspelling of `name` (spaces ignored) may carry."""
    length = len(_squash(name))
    return 0 if length < 5 else 1 if length <= 8 else 2


@dataclass(frozen=True, slots=True)
class Entry:
    """One word-list entry: a substance, a product or a class, with what it rules out."""

    key: str  # "substance:lidocaine", "product:emla", "class:amide_local_anaesthetic"
    kind: EntryKind
    label: str
    names: tuple[str, ...]  # normalised
    shown: tuple[str, ...]  # as written, for suggestions (label first, then brands and names)
    ingredients: frozenset[str]  # mix ingredients an allergy to it rules out
    groups: frozenset[str]  # classes it names or belongs to (for class rules such as venoms)
    related: frozenset[str]  # ingredients sharing a class whose cross-reactivity is unsourced


@dataclass(frozen=True, slots=True)
class AllergyMatch:
    """What an allergy's text (or recorded class) was matched to."""

    matched: tuple[str, ...] = ()  # labels of the entries, sorted
    ingredients: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    related: frozenset[str] = frozenset()
    fuzzy: bool = False

    @property
    def recognised(self) -> bool:
        return bool(self.matched)


@dataclass(frozen=True, slots=True)
class Suggestion:
    value: str  # what goes into the field
    label: str  # what the entry is


NOTHING = AllergyMatch()


class AllergenVocabulary:
    """Every entry, indexed by its names without spaces; matching results are memoised."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries: dict[str, Entry] = {e.key: e for e in entries}
        self._exact: dict[str, set[str]] = {}
        self._names: list[tuple[str, str, int]] = []  # (squashed name, entry key, budget)
        for entry in self.entries.values():
            for name in entry.names:
                self._exact.setdefault(_squash(name), set()).add(entry.key)
                if budget := fuzzy_budget(name):
                    self._names.append((_squash(name), entry.key, budget))
        # The longest name, in words: no longer run of words needs looking up.
        self._window = max(
            (len(n.split()) for e in self.entries.values() for n in e.names), default=1
        )
        self._memo: dict[str, AllergyMatch] = {}
        self._lock = threading.Lock()

    def related(self, a: str, b: str) -> bool:
        """Whether two entries share a substance or a class (a match of one may be the other)."""
        one, two = self.entries[a], self.entries[b]
        return a == b or bool(
            one.ingredients & two.ingredients
            or one.groups & two.groups
            or one.ingredients & two.related
            or two.ingredients & one.related
        )

    def match(self, text: str) -> AllergyMatch:
        found = self._memo.get(text)
        if found is None:
            found = self._match(text)
            if len(self._memo) < 8192:
                with self._lock:
                    self._memo[text] = found
        return found

    def group(self, code: str) -> AllergyMatch:
        """The match of an allergy recorded against a class."""
        entry = self.entries.get(f"class:{code}")
        return NOTHING if entry is None else self._combine([entry], fuzzy=False)

    def _match(self, text: str) -> AllergyMatch:
        words = normalise(text).split()
        keys: set[str] = set()
        covered = [False] * len(words)
        for size in range(min(self._window, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                hit = self._exact.get("".join(words[start : start + size]))
                if hit:
                    keys |= hit
                    covered[start : start + size] = [True] * size
        fuzzy_keys = self._fuzzy(words, covered)
        entries = [self.entries[k] for k in sorted(keys | fuzzy_keys)]
        return self._combine(entries, fuzzy=bool(fuzzy_keys - keys)) if entries else NOTHING

    def _fuzzy(self, words: list[str], covered: list[bool]) -> set[str]:
        """Entries a misspelt part of the text names, when no unrelated entry is as close."""
        found: set[str] = set()
        for size in range(1, min(self._window, len(words)) + 1):
            for start in range(len(words) - size + 1):
                if any(covered[start : start + size]):
                    continue
                window = "".join(words[start : start + size])
                if len(window) < 5:
                    continue
                best: dict[str, int] = {}
                for name, key, budget in self._names:
                    distance = OSA.distance(window, name, score_cutoff=budget)
                    if distance <= budget and distance < best.get(key, budget + 1):
                        best[key] = distance
                if not best:
                    continue
                closest = min(best.values())
                nearest = [k for k, d in best.items() if d == closest]
                if all(self.related(nearest[0], k) for k in nearest):
                    found.update(nearest)
        return found

    def _combine(self, entries: list[Entry], *, fuzzy: bool) -> AllergyMatch:
        ingredients = frozenset().union(*(e.ingredients for e in entries))
        return AllergyMatch(
            matched=tuple(sorted({e.label for e in entries})),
            ingredients=ingredients,
            groups=frozenset().union(*(e.groups for e in entries)),
            related=frozenset().union(*(e.related for e in entries)) - ingredients,
            fuzzy=fuzzy,
        )

    def suggest(self, text: str, limit: int = 8) -> list[Suggestion]:
        """Entries whose names start with (then contain, then nearly match) what was typed."""
        typed = normalise(text)
        if len(typed) < 2:
            return []
        ranked: list[tuple[int, str, Suggestion]] = []
        seen: set[str] = set()
        words = typed.split()
        near = self._fuzzy(words, [False] * len(words))
        for entry in self.entries.values():
            rank = 3
            for name in entry.names:
                if name.startswith(typed) or _squash(name).startswith(_squash(typed)):
                    rank = min(rank, 0)
                elif typed in name:
                    rank = min(rank, 1)
            if rank == 3 and entry.key in near:
                rank = 2
            if rank < 3:
                for shown in entry.shown:
                    if shown not in seen:
                        seen.add(shown)
                        ranked.append((rank, shown.casefold(), Suggestion(shown, entry.label)))
        ranked.sort(key=lambda r: (r[0], r[1]))
        return [s for _, _, s in ranked[:limit]]


def _members(kb: KnowledgeBase, group: str) -> frozenset[str]:
    """Ingredients in the class or in a narrower class it includes."""
    codes = {group}
    pending = [group]
    while pending:
        for sub in kb.allergy_groups[pending.pop()].includes:
            if sub not in codes:
                codes.add(sub)
                pending.append(sub)
    return frozenset(
        i.code for i in kb.ingredients.values() if codes.intersection(i.allergy_groups)
    )


def _substance_entry(
    kb: KnowledgeBase,
    *,
    code: str,
    label: str,
    ingredient: str,
    names: Iterable[str],
    brands: Iterable[str],
    groups: Iterable[str],
) -> Entry:
    classes = frozenset(groups)
    ingredients = {ingredient} if ingredient else set()
    related: set[str] = set()
    for group in classes:
        cross = kb.allergy_groups[group].cross_reactivity
        if cross == "unsourced":
            related |= _members(kb, group)
        else:
            ingredients |= _members(kb, group)
    brands = tuple(brands)
    return Entry(
        key=f"substance:{code}",
        kind="substance",
        label=label,
        names=tuple(sorted({normalise(n) for n in (*names, *brands) if normalise(n)})),
        shown=tuple(dict.fromkeys((label, *brands))),
        ingredients=frozenset(ingredients),
        groups=classes,
        related=frozenset(related - ingredients),
    )


def _substances(kb: KnowledgeBase) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    described = {s.ingredient for s in kb.allergen_substances.values() if s.ingredient}
    for ingredient in kb.ingredients.values():
        if ingredient.code in described:
            continue
        label = ingredient.name.split("(")[0].strip().rstrip(",")
        entries[ingredient.code] = _substance_entry(
            kb,
            code=ingredient.code,
            label=label,
            ingredient=ingredient.code,
            names=(ingredient.name, label, ingredient.code, *ingredient.synonyms),
            brands=(),
            groups=ingredient.allergy_groups,
        )
    for substance in kb.allergen_substances.values():
        extra: tuple[str, ...] = ()
        groups = set(substance.groups)
        if substance.ingredient:
            ingredient = kb.ingredients[substance.ingredient]
            extra = (ingredient.code, *ingredient.synonyms)
            groups |= set(ingredient.allergy_groups)
        entries[substance.code] = _substance_entry(
            kb,
            code=substance.code,
            label=substance.label,
            ingredient=substance.ingredient,
            names=(substance.label, *substance.names, *extra),
            brands=substance.brands,
            groups=groups,
        )
    return entries


def _build(kb: KnowledgeBase) -> AllergenVocabulary:
    substances = _substances(kb)
    entries: list[Entry] = list(substances.values())
    for product in kb.allergen_products.values():
        parts = [substances[code] for code in product.contains]
        ingredients = frozenset().union(*(p.ingredients for p in parts))
        entries.append(
            Entry(
                key=f"product:{product.code}",
                kind="product",
                label=product.label,
                names=tuple(sorted({normalise(n) for n in (*product.names, *product.brands)})),
                shown=(product.label, *product.brands),
                ingredients=ingredients,
                groups=frozenset().union(*(p.groups for p in parts)),
                related=frozenset().union(*(p.related for p in parts)) - ingredients,
            )
        )
    for group in kb.allergy_groups.values():
        covered = {group.code, *group.includes}
        entries.append(
            Entry(
                key=f"class:{group.code}",
                kind="class",
                label=group.label,
                names=tuple(sorted({normalise(n) for n in (group.label, *group.names)})),
                shown=(group.label,),
                ingredients=_members(kb, group.code),
                groups=frozenset(covered),
                related=frozenset(),
            )
        )
    return AllergenVocabulary(entries)


_built: dict[str, AllergenVocabulary] = {}
_built_lock = threading.Lock()


def vocabulary(kb: KnowledgeBase) -> AllergenVocabulary:
    """The vocabulary of a knowledge version, built once per process."""
    found = _built.get(kb.version)
    if found is None:
        found = _build(kb)
        with _built_lock:
            _built[kb.version] = found
    return found
