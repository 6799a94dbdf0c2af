"""Settings modules: base (everything, from the environment), local (embedded default), test."""
