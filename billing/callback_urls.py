from django.urls import path

from .callbacks import gateway_notification

urlpatterns = [
    path("notify/<str:gateway>/<int:client_id>/", gateway_notification, name="payment-notify"),
]
