"""Collection rules for the course's single `pytest --nbval` run."""

# Submissions used by the grader tests are inputs, some deliberately hostile:
# they must never be collected and run as notebooks by nbval.
collect_ignore_glob = ["tests/submissions/*", "tests/submissions/**/*"]

import os

try:
    from hypothesis import settings
except ImportError:  # pragma: no cover - hypothesis comes with the [test] extra
    settings = None

if settings is not None:
    # In CI, property tests draw the same examples every run (a red build is then
    # reproducible, never a fluke); locally they explore new examples each run.
    settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
    settings.register_profile("dev", deadline=None)
    settings.load_profile("ci" if os.environ.get("CI") else "dev")
