from django.urls import path

from mesodesk.treatments import session_views, views

app_name = "treatments"

urlpatterns = [
    path("patients/<uuid:patient_id>/panel/", views.panel, name="panel"),
    path("patients/<uuid:patient_id>/new/", views.plan_new, name="plan_new"),
    path("<uuid:plan_id>/", views.plan_detail, name="plan"),
    path("<uuid:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("<uuid:plan_id>/lines/", views.line_add, name="line_add"),
    path("lines/<uuid:line_id>/", views.line_update, name="line_update"),
    path("lines/<uuid:line_id>/remove/", views.line_remove, name="line_remove"),
    path("<uuid:plan_id>/summary/", views.summary, name="summary"),
    path("<uuid:plan_id>/summary.pdf", views.summary_pdf, name="summary_pdf"),
    path("<uuid:plan_id>/sessions/new/", session_views.session_new, name="session_new"),
    path("sessions/<uuid:session_id>/", session_views.session_detail, name="session"),
    path("sessions/<uuid:session_id>/points/", session_views.point_add, name="point_add"),
    path(
        "sessions/<uuid:session_id>/points/remove/", session_views.point_remove, name="point_remove"
    ),
    path("sessions/<uuid:session_id>/aftercare/", session_views.aftercare, name="aftercare"),
    path(
        "sessions/<uuid:session_id>/aftercare.pdf",
        session_views.aftercare_pdf,
        name="aftercare_pdf",
    ),
    path(
        "sessions/<uuid:session_id>/aftercare/send/",
        session_views.aftercare_email,
        name="aftercare_send",
    ),
    path(
        "sessions/<uuid:session_id>/aftercare/emails/<uuid:email_id>/retry/",
        session_views.aftercare_email_retry,
        name="aftercare_retry",
    ),
    path(
        "sessions/<uuid:session_id>/<str:action>/",
        session_views.session_action,
        name="session_action",
    ),
    path("<uuid:plan_id>/<str:action>/", views.plan_transition, name="transition"),
]
