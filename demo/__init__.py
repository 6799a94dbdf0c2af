"""Demo and benchmark datasets (`manage.py load_demo`, `manage.py bench_dataset`): the top of
the dependency layers, free to use every domain app (docs/architecture.md)."""
