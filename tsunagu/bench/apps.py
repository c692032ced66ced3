from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmarks: installed only by config.bench_settings, never in the product."""

    name = "tsunagu.bench"
    label = "bench"
    verbose_name = "Benchmarks"
