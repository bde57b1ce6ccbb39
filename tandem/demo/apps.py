from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Data generators: `seed_demo` (the living demo practice `make run` loads) and
    `gen_bench_data` (the large benchmark dataset). A top-layer app: generators write every
    app's tables, so they sit above all of them and nothing imports them."""

    name = "tandem.demo"
    label = "demo"
    verbose_name = "Demo and benchmark data"
