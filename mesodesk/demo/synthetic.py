"""Synthetic patients for the demo clinic and the benchmarks: deterministic for a given seed.

Nothing here is a real person. Histories are varied on purpose: most patients are eligible
adults, a few are minors, and a few carry contraindicating facts (pregnancy, anticoagulants,
amide-anaesthetic allergy, active cancer) so screening has something to find.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal
from typing import Any

from faker import Faker

from mesodesk.knowledge.loader import knowledge
from mesodesk.patients.services import PatientRecord
from mesodesk.patients.validators import name_key

LOCALES = ["en_GB", "fr_FR", "de_DE", "it_IT", "es_ES", "nl_NL"]
CONCERNS = [
    "Cellulite on the thighs",
    "Fine lines around the eyes",
    "Dull, tired-looking skin",
    "Thinning hair at the crown",
    "Fullness under the chin",
    "Stretch marks on the abdomen",
    "Uneven pigmentation on the cheeks",
    "Localised fat on the flanks",
]
MEDICINES: dict[str, list[str]] = {
    "anticoagulant": ["Apixaban", "Rivaroxaban", "Warfarin"],
    "antiplatelet": ["Aspirin 75 mg", "Clopidogrel"],
    "insulin": ["Insulin glargine"],
    "retinoid": ["Tretinoin cream", "Isotretinoin"],
    "cardiac": ["Bisoprolol", "Ramipril"],
    "nsaid": ["Ibuprofen"],
    "other": ["Levothyroxine", "Cetirizine", "Combined oral contraceptive", "Sertraline"],
}


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def synthetic_patients(count: int, *, seed: int, today: dt.date) -> list[PatientRecord]:
    """`count` plausible patients; the same seed always gives the same patients."""
    rng = random.Random(seed)
    fakers = {loc: Faker(loc) for loc in LOCALES}
    for index, fake in enumerate(fakers.values()):
        fake.seed_instance(seed * 31 + index)
    intake_codes = [c for c, cond in knowledge().conditions.items() if cond.intake]
    areas = list(knowledge().body_areas)
    records: list[PatientRecord] = []
    for _ in range(count):
        fake = fakers[rng.choice(LOCALES)]
        sex = rng.choices(["female", "male", "other"], weights=[78, 21, 1])[0]
        given = fake.first_name_female() if sex == "female" else fake.first_name_male()
        minor = rng.random() < 0.01
        age = rng.randint(14, 17) if minor else rng.randint(18, 80)
        birth = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
        patient: dict[str, Any] = {
            "given_name": given[:100],
            "family_name": fake.last_name()[:100],
            "date_of_birth": birth,
            "sex": sex,
            "email": f"{name_key(given) or 'patient'}.{rng.randint(1000, 99999)}@example.org",
            "phone": f"07{rng.randint(100, 999)} {rng.randint(100000, 999999)}",
            "emergency_contact_name": fake.name()[:200] if rng.random() < 0.6 else "",
            "emergency_contact_relationship": rng.choice(["partner", "parent", "friend", ""]),
        }
        if rng.random() < 0.7:
            patient["weight_kg"] = Decimal(rng.randint(480, 1100)) / 10
            patient["height_cm"] = Decimal(rng.randint(1500, 1950)) / 10
            patient["measured_on"] = today - dt.timedelta(days=rng.randint(0, 400))
        if rng.random() < 0.6:
            patient["fitzpatrick"] = rng.choice(["I", "II", "III", "IV", "V", "VI"])
            patient["glogau"] = rng.choice(["I", "II", "III", "IV"])
            patient["concerns"] = rng.choice(CONCERNS)
            patient["target_areas"] = rng.sample(areas, rng.randint(1, 3))
        record = PatientRecord(patient=patient, id=_uuid(rng))
        if rng.random() < 0.6:
            _add_history(record, rng, intake_codes, today, sex=sex, age=age)
        records.append(record)
    return records


def _add_history(
    record: PatientRecord,
    rng: random.Random,
    codes: list[str],
    today: dt.date,
    *,
    sex: str,
    age: int,
) -> None:
    checked = today - dt.timedelta(days=rng.randint(0, 60))
    record.patient["medications_reviewed_on"] = checked
    record.patient["allergies_reviewed_on"] = checked
    positives: set[str] = set()
    if sex == "female" and 18 <= age <= 45 and rng.random() < 0.05:
        positives.add("pregnancy")
    for code, chance in (
        ("breastfeeding", 0.02),
        ("cancer", 0.02),
        ("coagulation_disorder", 0.02),
        ("keloid_tendency", 0.03),
        ("urticaria", 0.03),
        ("cardiac_disease", 0.03),
        ("autoimmune_disease", 0.02),
        ("insulin_diabetes", 0.02),
    ):
        if rng.random() < chance and not (code == "breastfeeding" and sex != "female"):
            positives.add(code)
    for code in codes:
        row: dict[str, Any] = {"code": code, "asserted_on": checked}
        if code in positives:
            row["verification_status"] = "confirmed"
            if code == "pregnancy":
                row["expected_date"] = today + dt.timedelta(days=rng.randint(30, 250))
            if code == "cancer" and rng.random() < 0.5:
                row["clinical_status"] = "remission"
                row["abatement_date"] = checked - dt.timedelta(days=rng.randint(100, 2000))
        else:
            row["verification_status"] = "refuted"
        record.conditions.append(row)
    for klass, names in MEDICINES.items():
        chance = 0.25 if klass == "other" else 0.03
        if rng.random() < chance:
            record.medications.append(
                {"name": rng.choice(names), "medication_class": klass, "asserted_on": checked}
            )
    if rng.random() < 0.03:
        record.allergies.append(
            {
                "substance": "Lidocaine",
                "allergy_group": "amide_local_anaesthetic",
                "reaction": "Hives and swelling",
                "severity": "moderate",
                "asserted_on": checked,
            }
        )
    if rng.random() < 0.05:
        record.allergies.append(
            {
                "substance": "Penicillin",
                "reaction": "Rash",
                "severity": "mild",
                "asserted_on": checked,
            }
        )
    if rng.random() < 0.02:
        record.allergies.append(
            {
                "allergy_group": "bee_wasp_venom",
                "reaction": "Swelling",
                "severity": "severe",
                "asserted_on": checked,
            }
        )
