"""bench_dataset: create the benchmark's synthetic operators (bench/dataset.py, bench/README.md).

    manage.py bench_dataset                      # 100,000 accounts, 300 channels, ... (refuses if present)
    manage.py bench_dataset --accounts 2000 --channels 60 --categories 6 --reuse
    manage.py bench_dataset --reset              # wipe the bench operators, then create
    manage.py bench_dataset --delete             # wipe only

Prints key=value lines (client ids, api keys, abonement ranges, the password) for scripts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from bench.dataset import (
    DatasetError,
    Scale,
    dataset_create,
    dataset_delete,
    dataset_ensure,
    key_values,
    sessions_write,
)
from smarty.commands import SmartyCommand


class Command(SmartyCommand):
    help = "Create (or reuse, or delete) the benchmark dataset: bench operators, channels, EPG, accounts."

    def add_arguments(self, parser) -> None:
        defaults = Scale()
        parser.add_argument("--accounts", type=int, default=defaults.accounts, help="customers/accounts per operator")
        parser.add_argument("--channels", type=int, default=defaults.channels)
        parser.add_argument("--categories", type=int, default=defaults.categories)
        parser.add_argument("--epg-days", type=int, default=defaults.epg_days)
        parser.add_argument("--programmes-per-day", type=int, default=defaults.programmes_per_day)
        parser.add_argument("--stream-services", type=int, default=defaults.stream_services)
        parser.add_argument("--videos", type=int, default=defaults.videos, help="VOD videos per operator")
        parser.add_argument(
            "--other-scale",
            type=float,
            default=defaults.other_scale,
            help="size of the second operator relative to the first; 0: no second operator",
        )
        parser.add_argument("--password", default=defaults.password, help="every bench account's password")
        parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--reset", action="store_true", help="wipe existing bench data first")
        mode.add_argument("--reuse", action="store_true", help="keep bench data of the same size, else rebuild")
        mode.add_argument("--delete", action="store_true", help="only wipe the bench data")
        parser.add_argument("--output", help="also write the description as JSON to this file")
        parser.add_argument(
            "--sessions-file", help="also write the sessions (client_id,authkey,operator) for the load generator"
        )
        parser.add_argument(
            "--other-share", type=float, default=0.1, help="share of the sessions file's lines of the second operator"
        )

    def _progress(self, label: str, done: int, total: int) -> None:
        if self.verbosity > 1:
            self.stderr.write(f"{label}: {done}/{total}")

    def run(self, **options: Any) -> str:
        self.verbosity = options["verbosity"]
        if options["delete"]:
            return f"bench data deleted: {dataset_delete(batch_size=options['batch_size'])} operator(s)"
        scale = Scale(
            accounts=options["accounts"],
            channels=options["channels"],
            categories=options["categories"],
            epg_days=options["epg_days"],
            programmes_per_day=options["programmes_per_day"],
            stream_services=options["stream_services"],
            videos=options["videos"],
            other_scale=options["other_scale"],
            password=options["password"],
            batch_size=options["batch_size"],
            seed=options["seed"],
        )
        try:
            if options["reuse"]:
                description, action = dataset_ensure(scale=scale, progress=self._progress)
            else:
                scale.validate()
                if options["reset"]:
                    dataset_delete(batch_size=scale.batch_size)
                description, action = dataset_create(scale=scale, progress=self._progress), "created"
        except DatasetError as exc:
            raise CommandError(str(exc)) from exc
        for line in key_values(description, scale.password):
            self.stdout.write(line)
        if options["output"]:
            path = Path(options["output"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({**description, "password": scale.password, "action": action}, indent=2))
        if options["sessions_file"]:
            path = Path(options["sessions_file"])
            path.parent.mkdir(parents=True, exist_ok=True)
            written = sessions_write(path, other_share=options["other_share"])
            self.stdout.write(f"sessions_file_lines={written}")
        sizes = ", ".join(f"{o['accounts']} accounts/{o['channels']} channels" for o in description["operators"])
        return f"bench data {action}: {sizes}; {description['programmes']} programmes"
