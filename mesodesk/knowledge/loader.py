"""Loads and validates the knowledge base from `data/*.toml` (pure Python, no Django).

Every file is validated against `schema.py`; codes must be unique and every cited source must
exist. Any problem raises `KnowledgeError` naming the file and the entry.
"""

from __future__ import annotations

import functools
import hashlib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mesodesk.knowledge import schema

DATA_DIR = Path(__file__).resolve().parent / "data"

M = TypeVar("M", bound=BaseModel)


class KnowledgeError(ValueError):
    """A knowledge data file is malformed or inconsistent."""


@dataclass(frozen=True)
class KnowledgeBase:
    """The validated knowledge base; every mapping is keyed by code (or source id)."""

    version: str
    reference: str
    sources: Mapping[str, schema.Source]
    conditions: Mapping[str, schema.Condition]
    medication_classes: Mapping[str, schema.MedicationClass]
    allergy_groups: Mapping[str, schema.AllergyGroup]
    body_areas: Mapping[str, schema.BodyArea]
    scales: Mapping[str, schema.Scale]

    def source_labels(self, ids: Iterable[str]) -> list[schema.Source]:
        return [self.sources[i] for i in ids]


def _read(data_dir: Path, name: str) -> dict[str, Any]:
    path = data_dir / name
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise KnowledgeError(f"{name}: file is missing") from exc
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeError(f"{name}: not valid TOML ({exc})") from exc


def _entries(data_dir: Path, name: str, key: str, model: type[M]) -> dict[str, M]:
    raw = _read(data_dir, name)
    unknown = set(raw) - {key}
    if unknown:
        raise KnowledgeError(f"{name}: unexpected top-level keys {sorted(unknown)}")
    result: dict[str, M] = {}
    for index, item in enumerate(raw.get(key, [])):
        label = item.get("code") or item.get("id") or f"#{index + 1}"
        try:
            entry = model.model_validate(item)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}"
                for err in exc.errors()
            )
            raise KnowledgeError(f"{name}: {key} {label!r}: {problems}") from exc
        code = str(getattr(entry, "code", None) or getattr(entry, "id", ""))
        if code in result:
            raise KnowledgeError(f"{name}: {key} {code!r} is defined twice")
        result[code] = entry
    if not result:
        raise KnowledgeError(f"{name}: no {key} entries")
    return result


def _digest(data_dir: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(data_dir.glob("*.toml")):
        sha.update(path.name.encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()[:12]


def _check_sources(kb: KnowledgeBase) -> None:
    groups: dict[str, Mapping[str, Any]] = {
        "conditions.toml": kb.conditions,
        "medication_classes.toml": kb.medication_classes,
        "allergy_groups.toml": kb.allergy_groups,
        "scales.toml": kb.scales,
    }
    for filename, entries in groups.items():
        for code, entry in entries.items():
            for source_id in getattr(entry, "sources", ()):
                if source_id not in kb.sources:
                    raise KnowledgeError(f"{filename}: {code!r} cites unknown source {source_id!r}")


def load_knowledge(data_dir: Path = DATA_DIR) -> KnowledgeBase:
    try:
        meta = schema.Meta.model_validate(_read(data_dir, "meta.toml"))
    except ValidationError as exc:
        raise KnowledgeError(f"meta.toml: {exc.errors()[0]['msg']}") from exc
    kb = KnowledgeBase(
        version=f"{meta.version}+{_digest(data_dir)}",
        reference=meta.reference,
        sources=_entries(data_dir, "sources.toml", "source", schema.Source),
        conditions=_entries(data_dir, "conditions.toml", "condition", schema.Condition),
        medication_classes=_entries(
            data_dir, "medication_classes.toml", "medication_class", schema.MedicationClass
        ),
        allergy_groups=_entries(
            data_dir, "allergy_groups.toml", "allergy_group", schema.AllergyGroup
        ),
        body_areas=_entries(data_dir, "body_areas.toml", "area", schema.BodyArea),
        scales=_entries(data_dir, "scales.toml", "scale", schema.Scale),
    )
    _check_sources(kb)
    return kb


@functools.cache
def knowledge() -> KnowledgeBase:
    """The knowledge base shipped with this release, loaded once per process."""
    return load_knowledge()
