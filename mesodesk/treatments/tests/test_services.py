"""Treatment plans: the state machine, the dose gate, the screening gate, permissions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from mesodesk.audit.models import AuditEvent
from mesodesk.catalog.models import Product, Protocol
from mesodesk.catalog.tests.helpers import kybella, lidocaine_2, published, skin_booster
from mesodesk.core.errors import Conflict, FieldErrors, NotFound, PermissionDenied
from mesodesk.core.testing import Personas
from mesodesk.patients.models import Patient
from mesodesk.patients.services import allergy_record, condition_record, patient_update
from mesodesk.screening.models import Screening
from mesodesk.screening.services import screening_override
from mesodesk.treatments import services
from mesodesk.treatments.models import TreatmentPlan
from mesodesk.treatments.selectors import plan_dose_report, plan_get
from mesodesk.treatments.tests.helpers import screened_patient

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Setup:
    patient: Patient
    protocol: Protocol
    lidocaine: Product
    booster: Product


@pytest.fixture
def setup(personas: Personas) -> Setup:
    return Setup(
        patient=screened_patient(personas.practitioner),
        protocol=published(personas.practitioner, "facial_ha_savoia_2013"),
        lidocaine=lidocaine_2(personas.clinic_admin),
        booster=skin_booster(personas.clinic_admin),
    )


def _draft(personas: Personas, setup: Setup) -> TreatmentPlan:
    return services.plan_create(
        actor=personas.practitioner,
        patient_id=setup.patient.pk,
        data={
            "indication": "facial_rejuvenation",
            "areas": ["full_face"],
            "protocol_id": setup.protocol.pk,
        },
    )


def _add(personas: Personas, plan: TreatmentPlan, product: Product, ml: str) -> None:
    services.mixline_add(
        actor=personas.practitioner, plan_id=plan.pk, product_id=product.pk, volume_ml=Decimal(ml)
    )


def test_a_plan_is_drafted_screened_built_and_activated(personas: Personas, setup: Setup) -> None:
    plan = _draft(personas, setup)
    assert plan.status == "draft"
    assert plan.sessions_planned == 4
    _add(personas, plan, setup.booster, "2")
    _add(personas, plan, setup.lidocaine, "1")
    latest = Screening.objects.filter(plan_id=plan.pk).latest("performed_at")
    assert latest.ingredients == ["hyaluronic_acid", "lidocaine"]
    assert latest.reason == "plan"

    services.plan_activate(actor=personas.practitioner, plan_id=plan.pk)
    plan.refresh_from_db()
    assert plan.status == "active"
    assert plan.activated_by == personas.practitioner.user
    event = AuditEvent.objects.filter(object_id=plan.pk, action="update").latest("seq")
    assert event.changes["status"] == ["draft", "active"]

    services.plan_complete(actor=personas.practitioner, plan_id=plan.pk)
    plan.refresh_from_db()
    assert plan.status == "completed"


def test_the_state_machine_refuses_wrong_moves(personas: Personas, setup: Setup) -> None:
    plan = _draft(personas, setup)
    with pytest.raises(Conflict):
        services.plan_complete(actor=personas.practitioner, plan_id=plan.pk)
    services.plan_cancel(actor=personas.practitioner, plan_id=plan.pk, reason="Patient declined")
    with pytest.raises(Conflict):
        services.plan_activate(actor=personas.practitioner, plan_id=plan.pk)
    with pytest.raises(Conflict):
        _add(personas, plan, setup.booster, "1")
    with pytest.raises(FieldErrors):
        services.plan_cancel(
            actor=personas.practitioner, plan_id=_draft(personas, setup).pk, reason=" "
        )


def test_an_exceeded_hard_limit_blocks_activation(personas: Personas, setup: Setup) -> None:
    plan = _draft(personas, setup)
    _add(personas, plan, setup.lidocaine, "15")  # 300 mg > 4.5 mg/kg x 60 kg
    with pytest.raises(FieldErrors) as caught:
        services.plan_activate(actor=personas.practitioner, plan_id=plan.pk)
    assert "300" in caught.value.errors["lines"][0]
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_no_weight_no_lidocaine_plan(personas: Personas) -> None:
    patient = screened_patient(personas.practitioner, weight=None)
    protocol = published(personas.practitioner, "facial_ha_savoia_2013")
    plan = services.plan_create(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={
            "indication": "facial_rejuvenation",
            "areas": ["full_face"],
            "protocol_id": protocol.pk,
        },
    )
    services.mixline_add(
        actor=personas.practitioner,
        plan_id=plan.pk,
        product_id=lidocaine_2(personas.clinic_admin).pk,
        volume_ml=Decimal(1),
    )
    report = plan_dose_report(
        actor=personas.practitioner, plan=plan_get(actor=personas.practitioner, plan_id=plan.pk)
    )
    assert report.blocked
    assert "weight" in report.checks[0].message
    with pytest.raises(FieldErrors):
        services.plan_activate(actor=personas.practitioner, plan_id=plan.pk)


def test_a_contraindicated_screening_blocks_until_it_is_overridden(
    personas: Personas, setup: Setup
) -> None:
    patient = setup.patient
    condition_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"code": "breastfeeding", "verification_status": "confirmed"},
    )
    plan = _draft(personas, setup)
    _add(personas, plan, setup.booster, "2")
    with pytest.raises(FieldErrors) as caught:
        services.plan_activate(actor=personas.practitioner, plan_id=plan.pk)
    assert "screening" in caught.value.errors
    screening = Screening.objects.filter(plan_id=plan.pk).latest("performed_at")
    screening_override(
        actor=personas.practitioner,
        screening_id=screening.pk,
        reason="Weaning completes before the first session",
    )
    services.plan_activate(actor=personas.practitioner, plan_id=plan.pk)


def test_an_allergy_to_a_mix_ingredient_contraindicates_the_plan(
    personas: Personas, setup: Setup
) -> None:
    plan = _draft(personas, setup)
    _add(personas, plan, setup.lidocaine, "1")
    allergy_record(
        actor=personas.nurse,
        patient_id=setup.patient.pk,
        data={"allergy_group": "amide_local_anaesthetic"},
    )
    latest = Screening.objects.filter(plan_id=plan.pk).latest("performed_at")
    assert latest.verdict == "contraindicated"
    assert latest.reason == "plan"
    assert latest.performed_by == personas.nurse.user  # re-screened when the history changed
    with pytest.raises(FieldErrors):
        services.plan_activate(actor=personas.practitioner, plan_id=plan.pk)


def test_deoxycholic_acid_follows_its_label(personas: Personas) -> None:
    patient = screened_patient(personas.practitioner)
    protocol = published(personas.practitioner, "kybella_label")
    plan = services.plan_create(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"indication": "submental_fat", "areas": ["submental"], "protocol_id": protocol.pk},
    )
    services.mixline_add(
        actor=personas.practitioner,
        plan_id=plan.pk,
        product_id=kybella(personas.clinic_admin).pk,
        volume_ml=Decimal(12),
    )
    report = plan_dose_report(
        actor=personas.practitioner, plan=plan_get(actor=personas.practitioner, plan_id=plan.pk)
    )
    assert {c.kind for c in report.checks if c.status == "exceeded"} == {
        "ml_per_session",
        "mg_per_session",
    }


@pytest.mark.parametrize(
    ("volume", "field"),
    [
        ("0", "volume_ml"),
        ("-1", "volume_ml"),
        ("abc", "volume_ml"),
        ("501", "volume_ml"),
        ("0.001", "volume_ml"),
    ],
)
def test_bad_volumes_are_field_errors(
    personas: Personas, setup: Setup, volume: str, field: str
) -> None:
    plan = _draft(personas, setup)
    with pytest.raises(FieldErrors) as caught:
        services.mixline_add(
            actor=personas.practitioner,
            plan_id=plan.pk,
            product_id=setup.booster.pk,
            volume_ml=volume,
        )
    assert field in caught.value.errors


def test_unknown_products_and_foreign_products_are_refused(
    personas: Personas, setup: Setup
) -> None:
    plan = _draft(personas, setup)
    foreign = lidocaine_2(personas.foreign_practitioner)
    for product_id in (foreign.pk, "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(FieldErrors) as caught:
            services.mixline_add(
                actor=personas.practitioner,
                plan_id=plan.pk,
                product_id=product_id,
                volume_ml=Decimal(1),
            )
        assert "product_id" in caught.value.errors


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"indication": "nope", "areas": ["full_face"]}, "indication"),
        ({"indication": "cellulite", "areas": []}, "areas"),
        ({"indication": "cellulite", "areas": ["moon"]}, "areas.0"),
    ],
)
def test_bad_plans_are_field_errors(
    personas: Personas, setup: Setup, data: dict[str, object], field: str
) -> None:
    with pytest.raises(FieldErrors) as caught:
        services.plan_create(
            actor=personas.practitioner,
            patient_id=setup.patient.pk,
            data=data,
        )
    assert field in caught.value.errors
    assert not TreatmentPlan.objects.exists()


def test_a_draft_protocol_or_one_for_another_indication_is_refused(
    personas: Personas, setup: Setup
) -> None:
    from mesodesk.catalog.services.protocols import protocol_clone

    draft = protocol_clone(actor=personas.practitioner, template_code="facial_ha_savoia_2013")
    other = published(personas.practitioner, "kybella_label")
    for protocol in (draft, other):
        with pytest.raises(FieldErrors) as caught:
            services.plan_create(
                actor=personas.practitioner,
                patient_id=setup.patient.pk,
                data={
                    "indication": "facial_rejuvenation",
                    "areas": ["full_face"],
                    "protocol_id": protocol.pk,
                },
            )
        assert "protocol_id" in caught.value.errors


def test_only_practitioners_edit_plans(personas: Personas, setup: Setup) -> None:
    for actor in (personas.nurse, personas.front_desk, personas.clinic_admin):
        with pytest.raises(PermissionDenied):
            services.plan_create(
                actor=actor,
                patient_id=setup.patient.pk,
                data={"indication": "cellulite", "areas": ["thighs"]},
            )


def test_another_clinic_cannot_touch_the_plan(personas: Personas, setup: Setup) -> None:
    plan = _draft(personas, setup)
    with pytest.raises(NotFound):
        services.plan_activate(actor=personas.foreign_practitioner, plan_id=plan.pk)
    with pytest.raises(NotFound):
        services.plan_create(
            actor=personas.foreign_practitioner,
            patient_id=plan.patient_id,
            data={"indication": "cellulite", "areas": ["thighs"]},
        )


def test_changing_the_weight_changes_the_dose_check(personas: Personas, setup: Setup) -> None:
    plan = _draft(personas, setup)
    _add(personas, plan, setup.lidocaine, "15")
    patient_update(
        actor=personas.practitioner, patient_id=plan.patient_id, data={"weight_kg": Decimal(70)}
    )
    report = plan_dose_report(
        actor=personas.practitioner, plan=plan_get(actor=personas.practitioner, plan_id=plan.pk)
    )
    assert not report.blocked  # 300 mg ≤ the 300 mg cap at 70 kg


def test_an_incomplete_screening_blocks_activation_and_names_what_is_missing(
    personas: Personas, setup: Setup
) -> None:
    plan = _draft(personas, setup)
    _add(personas, plan, setup.lidocaine, "1")
    allergy_record(
        actor=personas.practitioner, patient_id=setup.patient.pk, data={"substance": "Carbocaine"}
    )
    latest = Screening.objects.filter(plan_id=plan.pk).latest("performed_at")
    assert latest.verdict == "incomplete"
    with pytest.raises(FieldErrors) as caught:
        services.plan_activate(actor=personas.practitioner, plan_id=plan.pk)
    [message] = caught.value.errors["screening"]
    assert message.startswith("Today's screening of this plan is incomplete:")
    assert "Allergy not recognised" in message
    screening_override(
        actor=personas.practitioner,
        screening_id=latest.pk,
        reason="Confirmed with the patient: the reaction was to a dental product, not lidocaine",
    )
    services.plan_activate(actor=personas.practitioner, plan_id=plan.pk)


def test_the_plan_form_and_the_plan_service_agree_on_which_protocols_fit(
    personas: Personas,
) -> None:
    from mesodesk.catalog.selectors import protocol_fits, protocols_for, protocols_published
    from mesodesk.catalog.services.protocols import protocol_clone

    published(personas.practitioner, "facial_ha_savoia_2013")  # facial rejuvenation
    published(personas.practitioner, "kybella_label")  # another indication
    protocol_clone(actor=personas.practitioner, template_code="facial_ha_savoia_2013")  # a draft
    patient = screened_patient(personas.practitioner)
    offered = set(
        protocols_published(actor=personas.practitioner, indication="facial_rejuvenation")
    )
    assert len(offered) == 1
    for protocol in protocols_for(personas.practitioner):
        assert protocol_fits(protocol, "facial_rejuvenation") == (protocol in offered)
        data = {"indication": "facial_rejuvenation", "areas": ["full_face"]}
        try:
            services.plan_create(
                actor=personas.practitioner,
                patient_id=patient.pk,
                data={**data, "protocol_id": protocol.pk},
            )
        except FieldErrors as exc:
            refused = set(exc.errors)
        else:
            refused = set()
        assert refused == (set() if protocol in offered else {"protocol_id"}), protocol
