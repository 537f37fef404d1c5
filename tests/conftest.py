"""Suite-wide test settings."""

import os

from hypothesis import settings

# CI runs property tests with a fixed seed so that a green build stays green; locally they
# explore new examples on every run (and keep failures in .hypothesis/).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
