from django.urls import path

from mesodesk.treatments import views

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
    path("<uuid:plan_id>/<str:action>/", views.plan_transition, name="transition"),
]
