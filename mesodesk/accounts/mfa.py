"""Multi-factor authentication: each clinic's policy, enrolment, verification and admin reset.

The devices are django-otp's: a TOTP authenticator app (`TOTPDevice`), single-use recovery
codes (`StaticDevice`) and passkeys (`django_otp_webauthn.WebAuthnCredential`). A session is
"verified" when django-otp has recorded the device that verified it (`user.is_verified()`).

Security events of a user on their own account (enrolment, a code entered or refused) go into
the global audit chain beside the log-ins; what a clinic admin does goes into the clinic's chain.
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from collections.abc import Iterable
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from mesodesk.accounts.actor import Actor, client_ip, client_user_agent
from mesodesk.accounts.choices import Capability, Role
from mesodesk.accounts.models import Clinic, ClinicMfaPolicy, Membership, User, mfa_default_roles
from mesodesk.core.errors import FieldErrors, ObjectId
from mesodesk.core.lookups import get_in_clinic

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i look-alikes
RECOVERY_CODE_LENGTH = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


# --- Policy --------------------------------------------------------------------------------


def mfa_required_roles(*, clinic: Clinic) -> list[str]:
    """The roles that must use a second factor in this clinic (the default if never set)."""
    policy = ClinicMfaPolicy.objects.filter(clinic=clinic).first()
    return list(policy.required_roles) if policy else mfa_default_roles()


def mfa_required_for_user(*, user: User) -> bool:
    """True when any clinic the user works in requires a second factor of their role there."""
    memberships = Membership.objects.filter(user=user, is_active=True).select_related(
        "clinic__mfa_policy"
    )
    for membership in memberships:
        try:
            roles = membership.clinic.mfa_policy.required_roles
        except ClinicMfaPolicy.DoesNotExist:
            roles = mfa_default_roles()
        if membership.role in roles:
            return True
    return False


def mfa_policy_update(*, actor: Actor, required_roles: Iterable[str]) -> ClinicMfaPolicy:
    """Sets which roles of the actor's clinic must use a second factor (clinic admins only)."""
    from mesodesk.audit.services import audit_event_record

    actor.require(Capability.CLINIC_MANAGE)
    roles = sorted(set(required_roles))
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        raise FieldErrors({"required_roles": [f"Unknown role: {', '.join(unknown)}."]})
    with transaction.atomic():
        policy, _ = ClinicMfaPolicy.objects.select_for_update().get_or_create(
            clinic=actor.clinic, defaults={"required_roles": mfa_default_roles()}
        )
        before = sorted(policy.required_roles)
        if before != roles:
            policy.required_roles = roles
            policy.save(update_fields=["required_roles", "updated_at"])
            audit_event_record(
                actor=actor,
                action="mfa_policy",
                obj=policy,
                changes={"required_roles": [before, roles]},
                summary="Roles that must use two-step verification",
            )
    return policy


# --- Devices -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MfaStatus:
    """What second factors a user has set up."""

    totp: bool
    passkeys: int
    recovery_codes_left: int

    @property
    def enrolled(self) -> bool:
        return self.totp or self.passkeys > 0


def mfa_status(*, user: User) -> MfaStatus:
    return MfaStatus(
        totp=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        passkeys=WebAuthnCredential.objects.filter(user=user, confirmed=True).count(),
        recovery_codes_left=StaticToken.objects.filter(
            device__user=user, device__confirmed=True
        ).count(),
    )


def mfa_has_device(*, user: User) -> bool:
    return bool(user_has_device(user, confirmed=True))


def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """The user's pending (unconfirmed) authenticator-app device; the same one until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_device_with_key(*, user: User, key_hex: str) -> TOTPDevice:
    """A confirmed authenticator for a known secret (the demo's published one), audited."""
    from mesodesk.audit.services import audit_event_record

    with transaction.atomic():
        device: TOTPDevice = TOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, key=key_hex, confirmed=True
        )
        audit_event_record(
            actor=None,
            action="mfa_enrol",
            user=user,
            actor_label=user.email,
            summary="Authenticator app with a known key (demo)",
        )
    return device


def totp_secret_display(device: TOTPDevice) -> str:
    """The base32 secret for typing into an app by hand, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI of the device as an inline SVG QR code, drawn here (no service)."""
    image = qrcode.make(
        device.config_url,
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=8,
        border=2,
    )
    svg: str = image.to_string(encoding="unicode")
    return svg[svg.index("<svg") :]


def _normalise_code(token: str) -> str:
    return "".join(token.split()).replace("-", "").lower()


def totp_enrolment_confirm(*, request: HttpRequest, user: User, token: str) -> list[str] | None:
    """Confirms the pending authenticator with a code from it; None if the code is wrong.

    On success the session is verified and a fresh set of recovery codes is returned, once.
    """
    from mesodesk.audit.services import audit_event_record

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    code = _normalise_code(token)
    if device is None or not code.isdigit() or not device.verify_token(code):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_replace(user)
        audit_event_record(
            actor=None,
            action="mfa_enrol",
            user=user,
            actor_label=user.email,
            summary="Set up an authenticator app and recovery codes",
            ip=client_ip(request),
            user_agent=client_user_agent(request),
        )
    otp_login(request, device)
    return codes


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [
        "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def recovery_codes_regenerate(*, request: HttpRequest, user: User) -> list[str]:
    """Replaces the user's recovery codes (the old ones stop working) and returns the new ones."""
    from mesodesk.audit.services import audit_event_record

    with transaction.atomic():
        codes = _recovery_codes_replace(user)
        audit_event_record(
            actor=None,
            action="mfa_recovery_codes",
            user=user,
            actor_label=user.email,
            summary="Replaced the recovery codes",
            ip=client_ip(request),
            user_agent=client_user_agent(request),
        )
    return codes


def mfa_verify(*, request: HttpRequest, user: User, token: str) -> str | None:
    """Checks a code from the authenticator app, or a recovery code (used up by this call).

    Returns the kind of factor that matched ("authenticator app", "recovery code") and marks
    the session verified, or None. django-otp slows repeated failures per device.
    """
    from mesodesk.audit.services import audit_event_record

    code = _normalise_code(token)
    matched: TOTPDevice | StaticDevice | None = None
    kind = ""
    if code.isdigit() and len(code) < RECOVERY_CODE_LENGTH:
        for totp in TOTPDevice.objects.filter(user=user, confirmed=True):
            if totp.verify_token(code):
                matched, kind = totp, "authenticator app"
                break
    elif code:
        for static in StaticDevice.objects.filter(user=user, confirmed=True):
            # StaticDevice.verify_token deletes the matching token: each code works once.
            if static.verify_token(code):
                matched, kind = static, "recovery code"
                break
    audit_event_record(
        actor=None,
        action="mfa_verify" if matched else "mfa_verify_failed",
        user=user,
        actor_label=user.email,
        summary=f"Second step with {kind}" if matched else "Wrong second-step code",
        ip=client_ip(request),
        user_agent=client_user_agent(request),
    )
    if matched is None:
        return None
    otp_login(request, matched)
    return kind


# --- Clinic admin: members and reset ----------------------------------------------------------


@dataclass(frozen=True)
class MemberMfa:
    """One member of a clinic as the MFA page shows them."""

    membership: Membership
    status: MfaStatus
    required: bool


def clinic_members_mfa(*, actor: Actor) -> list[MemberMfa]:
    """Every active member of the actor's clinic with their second-factor status (4 queries)."""
    actor.require(Capability.CLINIC_MANAGE)
    required = set(mfa_required_roles(clinic=actor.clinic))
    memberships = list(
        Membership.objects.filter(clinic=actor.clinic, is_active=True)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "user__totpdevice_set",
                queryset=TOTPDevice.objects.filter(confirmed=True),
                to_attr="confirmed_totp",
            ),
            Prefetch(
                "user__webauthncredential_set",
                queryset=WebAuthnCredential.objects.filter(confirmed=True),
                to_attr="confirmed_passkeys",
            ),
            "user__staticdevice_set__token_set",
        )
        .order_by("user__full_name")
    )
    rows = []
    for membership in memberships:
        user = membership.user
        static_devices: list[StaticDevice] = list(user.staticdevice_set.all())  # type: ignore[attr-defined]
        codes = sum(len(device.token_set.all()) for device in static_devices if device.confirmed)
        status = MfaStatus(
            totp=bool(user.confirmed_totp),  # type: ignore[attr-defined]
            passkeys=len(user.confirmed_passkeys),  # type: ignore[attr-defined]
            recovery_codes_left=codes,
        )
        rows.append(
            MemberMfa(membership=membership, status=status, required=membership.role in required)
        )
    return rows


def _end_sessions(user: User) -> int:
    """Deletes every live session of the user, so the next request asks for the password."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


def mfa_reset(*, actor: Actor, user_id: ObjectId) -> User:
    """Removes every second factor of a member of the actor's clinic (a lost phone).

    Their sessions end; at the next log-in they set up a new device. Clinic admins only;
    a user of another clinic is not found.
    """
    from mesodesk.audit.services import audit_event_record

    actor.require(Capability.CLINIC_MANAGE)
    membership = get_in_clinic(
        Membership.objects.select_related("user").filter(clinic=actor.clinic, is_active=True),
        user_id,
        by="user_id",
        message="No such member of this clinic.",
    )
    user = membership.user
    with transaction.atomic():
        removed = {
            "authenticator_apps": TOTPDevice.objects.filter(user=user).delete()[0],
            "recovery_code_sets": StaticDevice.objects.filter(user=user, confirmed=True).count(),
            "passkeys": WebAuthnCredential.objects.filter(user=user).delete()[0],
        }
        StaticDevice.objects.filter(user=user).delete()
        removed["sessions_ended"] = _end_sessions(user)
        audit_event_record(
            actor=actor,
            action="mfa_reset",
            obj=user,
            changes={key: [value, 0] for key, value in removed.items()},
            summary=f"Reset two-step verification of {user.email}",
        )
    return user


def session_verified_device_id(request: HttpRequest) -> str | None:
    value = request.session.get(DEVICE_ID_SESSION_KEY)
    return value if isinstance(value, str) else None
