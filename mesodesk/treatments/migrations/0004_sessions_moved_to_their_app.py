# The session models moved to the sessions app (label treatment_sessions); their tables stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('treatments', '0003_drop_unused_scheduled_for'),
        ('treatment_sessions', '0001_move_from_treatments'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='AftercareSheet'),
                migrations.DeleteModel(name='InjectionPoint'),
                migrations.DeleteModel(name='SessionAddendum'),
                migrations.DeleteModel(name='TreatmentSession'),
            ],
            database_operations=[],
        ),
    ]
