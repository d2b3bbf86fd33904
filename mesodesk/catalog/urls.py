from django.urls import path

from mesodesk.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.products, name="products"),
    path("ingredients/", views.ingredients, name="ingredients"),
    path("stock/", views.stock, name="stock"),
    path("lots/<uuid:lot_id>/", views.lot_detail, name="lot"),
    path("lots/<uuid:lot_id>/adjust/", views.lot_adjust, name="lot_adjust"),
    path("lots/<uuid:lot_id>/status/", views.lot_status, name="lot_status"),
    path("protocols/", views.protocol_list, name="protocols"),
    path("protocols/clone/", views.protocol_clone, name="protocol_clone"),
    path("protocols/<uuid:protocol_id>/", views.protocol_detail, name="protocol"),
]
