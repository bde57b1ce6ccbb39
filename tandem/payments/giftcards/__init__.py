"""Gift cards: buying, claiming, passing on, spending and expiring them."""
