"""Decision.meeting: the decided item's meeting, kept on the decision so that /cellule/ counts
a meeting's decisions on one index (docs/performance.md). Filled from the items, then required."""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
UPDATE coordination_decision SET meeting_id = (
    SELECT item.meeting_id FROM coordination_agendaitem AS item
    WHERE item.id = coordination_decision.item_id
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0003_agendaitem_added_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="meeting",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="decisions",
                to="coordination.meeting",
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="decision",
            name="meeting",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="decisions",
                to="coordination.meeting",
            ),
        ),
    ]
