from django.urls import path

from mesodesk.patients import intake_views

app_name = "intake"

urlpatterns = [
    path("<str:token>/", intake_views.answer, name="answer"),
    path("<str:token>/allergens/", intake_views.allergens, name="allergens"),
]
