"""Hypothesis profiles for the property tests.

``ci`` (the default) keeps the whole property suite well under a minute and is
reproducible: derandomized, no example database. ``HYPOTHESIS_PROFILE=thorough``
tries many more examples (with a database, so a failure found once is replayed
first) for a local hunt.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile(
    "ci", max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=_SLOW_IS_FINE
)
settings.register_profile("thorough", max_examples=400, deadline=None, suppress_health_check=_SLOW_IS_FINE)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
