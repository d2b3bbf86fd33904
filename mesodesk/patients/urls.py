from django.urls import path

from mesodesk.patients import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("intakes/", views.intake_list, name="intake_list"),
    path("intakes/<uuid:submission_id>/", views.intake_review, name="intake_review"),
    path("<uuid:patient_id>/", views.patient_chart, name="chart"),
    path("<uuid:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<uuid:patient_id>/history-changes/", views.history_changes, name="history_changes"),
    path("<uuid:patient_id>/intake-links/", views.intake_link_create, name="intake_link_create"),
    path("<uuid:patient_id>/reviewed/<str:which>/", views.list_review, name="list_review"),
    path("<uuid:patient_id>/allergens/", views.allergen_suggest, name="allergen_suggest"),
    path("<uuid:patient_id>/<str:kind>/new/", views.history_item_form, name="history_add"),
    path(
        "<uuid:patient_id>/<str:kind>/<uuid:item_id>/", views.history_item_form, name="history_edit"
    ),
]
