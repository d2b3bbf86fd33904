from django.contrib.auth import views as auth_views
from django.urls import path

from mesodesk.accounts import kiosk, mfa_views, password_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("clinic/", views.select_clinic, name="select_clinic"),
    path("pin/", views.signing_pin, name="signing_pin"),
    path("kiosk/unlock/", kiosk.kiosk_unlock, name="kiosk_unlock"),
    path("kiosk/open/", kiosk.kiosk_open, name="kiosk_open"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    # Two-step verification (accounts/mfa*.py)
    path("mfa/", mfa_views.mfa_manage_view, name="mfa_manage"),
    path("mfa/verify/", mfa_views.mfa_verify_view, name="mfa_verify"),
    path("mfa/enrol/", mfa_views.mfa_enrol_view, name="mfa_enrol"),
    path("mfa/recovery-codes/", mfa_views.mfa_recovery_codes_view, name="mfa_recovery_codes"),
    path("mfa/policy/", mfa_views.mfa_policy_view, name="mfa_policy"),
    path(
        "mfa/members/<uuid:user_id>/reset/",
        mfa_views.mfa_member_reset_view,
        name="mfa_member_reset",
    ),
    # Passwords (accounts/password_views.py)
    path("password/", password_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        password_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", password_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        password_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        password_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        password_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
