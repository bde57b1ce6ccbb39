from django.urls import path

from . import views

urlpatterns = [
    path("book-now/", views.book_now, name="book_now"),
    path("book-now/offers/", views.offers_page, name="book_now_offers"),
    path("book-now/offers/live/", views.offers_live, name="book_now_offers_live"),
    path(
        "book-now/offers/<uuid:offer_id>/accept/", views.offer_accept, name="book_now_offer_accept"
    ),
    path(
        "book-now/offers/<uuid:offer_id>/decline/",
        views.offer_decline,
        name="book_now_offer_decline",
    ),
    path("book-now/<uuid:request_id>/", views.request_page, name="book_now_request"),
    path("book-now/<uuid:request_id>/status/", views.request_status, name="book_now_status"),
    path("book-now/<uuid:request_id>/withdraw/", views.request_withdraw, name="book_now_withdraw"),
]
