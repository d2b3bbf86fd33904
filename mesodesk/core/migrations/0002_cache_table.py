"""The shared cache's table (rate limits), created by `migrate` so no deployment forgets it.

`createcachetable` is idempotent and does nothing when CACHES points at Redis.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_heartbeat")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
