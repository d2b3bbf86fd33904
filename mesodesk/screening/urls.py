from django.urls import path

from mesodesk.screening import views

app_name = "screening"

urlpatterns = [
    path("patients/<uuid:patient_id>/panel/", views.panel, name="panel"),
    path("patients/<uuid:patient_id>/run/", views.run, name="run"),
    path("<uuid:screening_id>/override/", views.override, name="override"),
]
