from django.urls import path

from mesodesk.sessions import views

app_name = "sessions"

# Mounted under /plans/, where these pages always were: their paths did not change.
urlpatterns = [
    path("lots/<uuid:lot_id>/recipients/", views.lot_recipients, name="lot_recipients"),
    path("<uuid:plan_id>/sessions/new/", views.session_new, name="session_new"),
    path("<uuid:plan_id>/sessions/panel/", views.plan_panel, name="plan_panel"),
    path("sessions/<uuid:session_id>/", views.session_detail, name="session"),
    path("sessions/<uuid:session_id>/points/", views.point_add, name="point_add"),
    path("sessions/<uuid:session_id>/points/remove/", views.point_remove, name="point_remove"),
    path("sessions/<uuid:session_id>/aftercare/", views.aftercare, name="aftercare"),
    path("sessions/<uuid:session_id>/aftercare.pdf", views.aftercare_pdf, name="aftercare_pdf"),
    path(
        "sessions/<uuid:session_id>/aftercare/send/",
        views.aftercare_email,
        name="aftercare_send",
    ),
    path(
        "sessions/<uuid:session_id>/aftercare/emails/<uuid:email_id>/retry/",
        views.aftercare_email_retry,
        name="aftercare_retry",
    ),
    path("sessions/<uuid:session_id>/<str:action>/", views.session_action, name="session_action"),
]
