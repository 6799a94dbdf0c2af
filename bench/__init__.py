"""The benchmark: a dataset generator (dataset.py, run by `manage.py bench_dataset`), a locust
scenario of simulated devices (locustfile.py), a warm query counter (queries.py) and the
orchestrator behind `make bench` (run.py). See bench/README.md."""
