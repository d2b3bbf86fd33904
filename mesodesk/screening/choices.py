from django.db import models


class Verdict(models.TextChoices):
    """The screening's verdict; `incomplete` and `contraindicated` block a plan's activation."""

    ELIGIBLE = "eligible", "Eligible"
    CAUTION = "caution", "Caution"
    INCOMPLETE = "incomplete", "Incomplete"
    CONTRAINDICATED = "contraindicated", "Contraindicated"


class ScreeningReason(models.TextChoices):
    HISTORY_CHANGED = "history_changed", "History changed"
    PLAN = "plan", "Treatment plan"
    ON_DEMAND = "on_demand", "On demand"
    CHECK_IN = "check_in", "Same-day check"


# Verdicts that block activation and the session's start unless overridden.
BLOCKING_VERDICTS = frozenset({Verdict.CONTRAINDICATED.value, Verdict.INCOMPLETE.value})
