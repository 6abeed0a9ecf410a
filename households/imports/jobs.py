"""The analysis (preview) and the confirmation of an uploaded list, as background jobs.

The `ImportBatch` is the job's record, written in the request's transaction: its state says
which job is due (`analysing`, `confirming`), `job_queued_at`/`job_started_at` whether it
started, `progress_*` how far it got. After the commit the batch's key is handed to the broker
from a background thread (`caen_accompagnement.celery.send_on_commit`: the request never talks
to Redis); the periodic relay `households.relay_import_jobs` runs every job the broker did not
deliver (broker down, message lost, worker dead). Without a broker (`task_always_eager`: `make
run` on SQLite) the job runs in-process right after the commit. A file up to
IMPORT_INLINE_MAX_BYTES is analysed and confirmed within the request itself.

A job writes its progress every chunk of rows (households/imports/plan.py CHUNK_ROWS). The
confirmation writes everything in one transaction: its progress goes through a second
connection (PostgreSQL) so that the page polling it sees it before the commit. A job that fails
leaves nothing written and the batch `failed` with a French message (or, when another import
wrote the same households meanwhile, back to its preview with that message).
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

from caen_accompagnement.celery import send_on_commit
from households.models import ImportBatch

from .plan import analyse, confirm, count_rows
from .reading import ImportFileError

logger = logging.getLogger(__name__)

RUN_IMPORT_JOB = "households.run_import_job"

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
    commits (worker, or in-process without a broker)."""
    if by is not None:
        batch.confirmed_by = by
        batch.save(update_fields=["confirmed_by"])
    batch.queue(state)
    if runs_inline(batch):
        run(batch.pk, report=False)
    else:
        send_on_commit(RUN_IMPORT_JOB, batch.pk)


def run(pk, *, report=True):
    """Run the job due on batch `pk`, once (claimed first); returns the batch's new state, or
    None when there was nothing to run."""
    batch = ImportBatch.claim(pk)
    if batch is None:
        return None
    progress = Progress(batch) if report else None
    try:
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

    Outside a transaction, an UPDATE; inside the confirmation's transaction, on PostgreSQL, an
    UPDATE through a second connection (committed at once, never waiting over a second for a
    lock); on SQLite (one writer at a time: development only) not written until the end."""

    def __init__(self, batch):
        self.pk = batch.pk
        self.side = None

    def start(self, total):
        ImportBatch.objects.filter(pk=self.pk).update(
            progress_total=total, progress_done=0, progress_at=timezone.now()
        )

    def __call__(self, done):
        now = timezone.now()
        if not connection.in_atomic_block:
            ImportBatch.objects.filter(pk=self.pk).update(progress_done=done, progress_at=now)
        elif connection.vendor == "postgresql":
            self._side_write(done, now)

    def _side_write(self, done, now):
        try:
            if self.side is None:
                self.side = connections.create_connection(DEFAULT_DB_ALIAS)
                with self.side.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '1s'")
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportBatch._meta.db_table} SET progress_done = %s, "  # noqa: S608 - table name from the model
                    "progress_at = %s WHERE id = %s",
                    [done, now, self.pk],
                )
        except DatabaseError:
            logger.warning("Avancement de l'import %s non écrit", self.pk, exc_info=True)

    def close(self):
        if self.side is not None:
            self.side.close()
            self.side = None


def relay_due():
    """Run every job the broker did not deliver (or whose worker died); returns how many ran."""
    ran = 0
    for pk in ImportBatch.objects.jobs_due().values_list("pk", flat=True):
        ran += run(pk) is not None
    return ran
