"""Base models every mesodesk table builds on."""

from __future__ import annotations

import uuid

from django.db import models


class BaseModel(models.Model):
    """A row with a UUID identity and creation/update times; UUIDs are all the outside sees."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class Heartbeat(models.Model):
    """The last time a recurring job proved alive (the worker, the backup), for /healthz."""

    name = models.CharField(max_length=40, unique=True)
    beat_at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
