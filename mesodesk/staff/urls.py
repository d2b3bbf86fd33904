from django.urls import path

from mesodesk.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("invite/", views.invite, name="invite"),
    path("members/<uuid:membership_id>/role/", views.role_change, name="role_change"),
    path("members/<uuid:membership_id>/deactivate/", views.deactivate, name="deactivate"),
    path(
        "invitations/<uuid:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitation/<str:token>/", views.accept, name="accept"),
    path("break-glass/", views.break_glass_list, name="break_glass_list"),
    path("break-glass/find/", views.break_glass_find, name="break_glass_find"),
    path("break-glass/policy/", views.break_glass_policy, name="break_glass_policy"),
    path("break-glass/patients/<uuid:pid>/", views.break_glass_here, name="break_glass_here"),
    path(
        "break-glass/<uuid:grant_id>/review/", views.break_glass_review, name="break_glass_review"
    ),
]
