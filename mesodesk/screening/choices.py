from django.db import models


class Verdict(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    CAUTION = "caution", "Caution"
    CONTRAINDICATED = "contraindicated", "Contraindicated"


class ScreeningReason(models.TextChoices):
    HISTORY_CHANGED = "history_changed", "History changed"
    PLAN = "plan", "Treatment plan"
    ON_DEMAND = "on_demand", "On demand"
    CHECK_IN = "check_in", "Same-day check"
