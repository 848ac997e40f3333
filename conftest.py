"""Collection rules for the course's single `pytest --nbval` run."""

# Submissions used by the grader tests are inputs, some deliberately hostile:
# they must never be collected and run as notebooks by nbval.
collect_ignore_glob = ["tests/submissions/*", "tests/submissions/**/*"]
