# The session's consent and screening become foreign keys on the same columns (consent_id,
# screening_id): the values stay, the database now refuses one that points at nothing.

import django.db.models.deletion
from django.db import migrations, models


def _to_foreign_key(name: str, to: str, help_text: str) -> list[migrations.operations.base.Operation]:
    column = f"{name}_id"
    return [
        # Name the column first, so the rename below changes nothing in the database.
        migrations.AlterField(
            model_name='treatmentsession',
            name=column,
            field=models.UUIDField(blank=True, null=True, db_column=column),
        ),
        migrations.RenameField(model_name='treatmentsession', old_name=column, new_name=name),
        migrations.AlterField(
            model_name='treatmentsession',
            name=name,
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name='+',
                to=to,
                help_text=help_text,
            ),
        ),
    ]


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0002_status_matches_timestamps'),
        ('screening', '0001_initial'),
        ('treatment_sessions', '0001_move_from_treatments'),
    ]

    operations = [
        *_to_foreign_key(
            'consent', 'consent.consent', 'The consent that allowed the procedure when it started.'
        ),
        *_to_foreign_key(
            'screening',
            'screening.screening',
            "Today's screening of the plan, made when the facts were re-confirmed.",
        ),
    ]
