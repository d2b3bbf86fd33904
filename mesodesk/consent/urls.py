from django.urls import path

from mesodesk.consent import views

app_name = "consent"

urlpatterns = [
    path("templates/", views.templates, name="templates"),
    path("templates/<uuid:template_id>/", views.template_detail, name="template"),
    path("plans/<uuid:plan_id>/sign/", views.sign, name="sign"),
    path("plans/<uuid:plan_id>/panel/", views.plan_panel, name="plan_panel"),
    path("<uuid:consent_id>/", views.detail, name="detail"),
    path("<uuid:consent_id>/thank-you/", views.kiosk_done, name="kiosk_done"),
    path("<uuid:consent_id>/countersign/", views.countersign, name="countersign"),
    path("<uuid:consent_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<uuid:consent_id>/consent.pdf", views.pdf, name="pdf"),
]
