from django.urls import path

from . import views

urlpatterns = [
    path("gift-cards/", views.gift_cards, name="gift_cards"),
    path("gift-cards/buy/", views.gift_card_buy, name="gift_card_buy"),
    path("gift-cards/claim/", views.gift_card_claim, name="gift_card_claim"),
    path("gift-cards/check/", views.gift_card_check, name="gift_card_check"),
    path("gift-cards/<uuid:card_id>/", views.gift_card_detail, name="gift_card_detail"),
    path(
        "gift-cards/<uuid:card_id>/transfer/",
        views.gift_card_transfer,
        name="gift_card_transfer",
    ),
    path("staff/gift-cards/", views.staff_gift_cards, name="staff_gift_cards"),
]
