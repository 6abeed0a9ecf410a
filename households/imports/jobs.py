"""The analysis (preview) and the confirmation of an uploaded list, as background jobs.

The request writes the job down in its own transaction, through the one outbox every web
change uses (`caen_accompagnement.celery.enqueue_on_commit`: a notifications.OutboxMessage
row for `households.run_import_job`), with the batch's state saying which job is due
(`analysing`, `confirming`). After the commit a background thread hands the message to the
broker (the request never talks to Redis); the periodic `notifications.relay_outbox` runs what
the broker did not deliver. Without a broker (`task_always_eager`: `make run`) the job runs
in-process right after the commit. A file up to IMPORT_INLINE_MAX_BYTES is analysed and
confirmed within the request itself.

The outbox runs the job inside a transaction that holds the message's row lock and marks the
message done when the job returns: a job runs once; a worker that dies mid-job drops its
connection, so its transaction (the job's writes included) is rolled back, the lock released,
and the relay runs the job again from the start.

A job writes its progress every chunk of rows (households/imports/plan.py CHUNK_ROWS). Being
inside the outbox's transaction, it writes it through a second connection (PostgreSQL) so that
the page polling the batch sees it before the commit; the job itself never locks the batch row
before its last write. A job that fails leaves nothing written and the batch `failed` with a
French message (or, when another import wrote the same households meanwhile, back to its
preview with that message): it records its own failure, so the outbox sees it done and never
retries it.
"""

import logging

from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connection,
    connections,
    transaction,
)
from django.utils import timezone

from caen_accompagnement.celery import enqueue_on_commit
from households.models import ImportBatch
from households.tasks import run_import_job

from .plan import analyse, confirm, count_rows
from .reading import ImportFileError

logger = logging.getLogger(__name__)

UNEXPECTED = (
    "L'import n'a pas pu aboutir à cause d'une erreur inattendue : rien n'a été enregistré. "
    "Déposez de nouveau le fichier ; si l'erreur se répète, prévenez l'administrateur."
)
CONCURRENT = (
    "Un autre import a modifié les mêmes ménages au même moment : rien n'a été enregistré. "
    "Vérifiez l'aperçu puis confirmez de nouveau."
)


def runs_inline(batch) -> bool:
    """A small file is analysed and confirmed within the request (well under a second)."""
    return len(batch.content or b"") <= settings.IMPORT_INLINE_MAX_BYTES


def start(batch, state, *, by=None):
    """Queue the job of `state` (analysis or confirmation, asked by `by`) on `batch`, in the
    caller's transaction; run it now when the file is small, else once the transaction
    commits (through the outbox: worker, or in-process without a broker)."""
    if by is not None:
        batch.confirmed_by = by
        batch.save(update_fields=["confirmed_by"])
    batch.queue(state)
    if runs_inline(batch):
        run(batch.pk, report=False)
    else:
        enqueue_on_commit(run_import_job, batch.pk)


def run(pk, *, report=True):
    """Run the job due on batch `pk`; returns the batch's new state, or None when there was
    nothing to run (already run, cancelled, purged). Its errors are recorded on the batch, not
    raised: the outbox running it sees it done."""
    batch = ImportBatch.objects.filter(pk=pk, state__in=ImportBatch.RUNNING_STATES).first()
    if batch is None:
        return None
    progress = Progress(batch) if report else None
    try:
        if progress is not None:
            progress.begin()
        if batch.state == ImportBatch.State.ANALYSING:
            _analyse(batch, progress)
        else:
            _confirm(batch, progress)
    finally:
        if progress is not None:
            progress.close()
    return ImportBatch.objects.values_list("state", flat=True).get(pk=pk)


def _analyse(batch, progress):
    content = bytes(batch.content)
    try:
        if progress is not None:
            progress.start(count_rows(content, batch.filename))
        tally = analyse(
            content,
            batch.filename,
            batch.source,
            batch.uploaded_by,
            progress or (lambda done: None),
        )
    except ImportFileError as exc:
        batch.fail(str(exc))
        return
    except Exception:  # noqa: BLE001 - recorded for the user, logged for the operator
        logger.exception("Analyse de l'import %s : erreur inattendue", batch.pk)
        batch.fail(UNEXPECTED)
        return
    batch.preview_ready(tally.preview(), tally.read)


def _confirm(batch, progress):
    content = bytes(batch.content)
    try:
        if progress is not None:
            progress.start(count_rows(content, batch.filename))
        with transaction.atomic():
            confirm(
                content,
                batch.filename,
                batch.source,
                user=batch.confirmed_by,
                by=batch.confirmed_by,
                batch=batch,
                progress=progress or (lambda done: None),
            )
    except IntegrityError:
        # Another import wrote the same households between the plan and its writing.
        _reloaded(batch).fail(CONCURRENT, back_to_preview=True)
    except ImportFileError as exc:
        _reloaded(batch).fail(str(exc))
    except Exception:  # noqa: BLE001 - recorded for the user, logged for the operator
        logger.exception("Confirmation de l'import %s : erreur inattendue", batch.pk)
        _reloaded(batch).fail(UNEXPECTED)


def _reloaded(batch):
    # The rolled-back transaction may have changed the instance (state, content): read it again.
    return ImportBatch.objects.get(pk=batch.pk)


class Progress:
    """`progress(rows done)`: written on the batch at once, visible to the page polling it.

    Outside a transaction, an UPDATE; inside one (the outbox's, the confirmation's), on
    PostgreSQL, an UPDATE through a second connection (committed at once, never waiting over a
    second for a lock); on SQLite (one writer at a time: development only) an UPDATE in the
    transaction, seen at its end."""

    def __init__(self, batch):
        self.pk = batch.pk
        self.side = None

    def begin(self):
        self._write(job_started_at=timezone.now(), progress_done=0, progress_total=0)

    def start(self, total):
        self._write(progress_total=total, progress_done=0)

    def __call__(self, done):
        self._write(progress_done=done)

    def _write(self, **fields):
        if connection.in_atomic_block and connection.vendor == "postgresql":
            self._side_write(fields)
        else:
            ImportBatch.objects.filter(pk=self.pk).update(**fields)

    def _side_write(self, fields):
        columns = ", ".join(f"{ImportBatch._meta.get_field(name).column} = %s" for name in fields)
        try:
            if self.side is None:
                self.side = connections.create_connection(DEFAULT_DB_ALIAS)
                with self.side.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '1s'")
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportBatch._meta.db_table} SET {columns} WHERE id = %s",  # noqa: S608 - names from the model
                    [*fields.values(), self.pk],
                )
        except DatabaseError:
            logger.warning("Avancement de l'import %s non écrit", self.pk, exc_info=True)

    def close(self):
        if self.side is not None:
            self.side.close()
            self.side = None
