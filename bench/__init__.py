"""The benchmark: a dataset generator (dataset.py, run by `manage.py bench_dataset`), the device
mix (mix.py), the wrk load generator's Lua scripts and output (wrk.py), a warm query counter
(queries.py) and the orchestrator behind `make bench` (run.py). See bench/README.md."""
