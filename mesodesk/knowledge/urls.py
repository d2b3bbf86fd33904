from django.urls import path

from mesodesk.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("sources/", views.sources, name="sources"),
    path("rules/new/", views.rule_add, name="rule_add"),
    path("rules/<str:rule_id>/", views.rule_edit, name="rule_edit"),
    path("<str:kind>/<str:code>/", views.value_edit, name="value_edit"),
]
