"""What anonymising a household erases outside the households app (docs/privacy.md).

One row per model holding free text or files about a household: the path from the model to
the household, the text fields blanked, the file fields deleted (the files themselves once the
transaction commits). Choices, dates, amounts, counts and links stay: they are the statistics.
tests/privacy/test_retention.py checks that every text or file field of the project is either
here or in KEPT, so a new free-text field cannot escape anonymisation unnoticed.
"""

from accompaniments.models import (
    Accompaniment,
    AccompanimentEvent,
    AdhesionRecord,
    Contact,
    Extension,
    Interview,
    Objective,
    PlannedVisit,
    ReminderConsent,
    Signal,
    Survey,
    VisitMessage,
)
from coordination.models import AgendaItem, Decision, Orientation
from diagnostics.models import (
    Debt,
    Diagnostic,
    DiagnosticEvent,
    DiagnosticStep,
    HousingHistoryEntry,
)
from housing.models import AgreementDocument, DwellingProposal, Rehousing

from .models import ArchiveConsultation

# (model, path to the household, text fields blanked, file fields deleted)
ERASE = [
    (
        Diagnostic,
        "household",
        [
            "social_report_name",
            "wished_environment",
            "socio_observation",
            "budget_observation",
            "housing_observation",
            "dwelling_observation",
            "follow_up_observation",
            "capacity_reason",
        ],
        ["social_report"],
    ),
    (DiagnosticStep, "diagnostic__household", ["with_whom"], []),
    (Debt, "diagnostic__household", ["creditor"], []),
    (HousingHistoryEntry, "diagnostic__household", ["place"], []),
    (DiagnosticEvent, "diagnostic__household", ["note"], []),
    (DwellingProposal, "household", ["refusal_reason"], []),
    (Rehousing, "household", ["lease_reference", "exceptional_reason"], []),
    (AgreementDocument, "household", [], ["pdf", "signed_scan"]),
    (
        Accompaniment,
        "household",
        ["gate_override_reason", "closure_note", "closure_reason_detail"],
        [],
    ),
    (AccompanimentEvent, "accompaniment__household", ["detail"], []),
    (Objective, "accompaniment__household", ["description", "progress_notes", "end_bilan"], []),
    (Extension, "accompaniment__household", ["justification", "decision_note"], []),
    (Contact, "accompaniment__household", ["partner", "note", "next_step"], []),
    (AdhesionRecord, "accompaniment__household", ["note"], []),
    (Signal, "household", ["description", "acknowledgement_note"], []),
    (
        Interview,
        "accompaniment__household",
        ["difficulties", "changes", "outcome", "autonomy_words", "worries"],
        [],
    ),
    (Survey, "accompaniment__household", ["incidents", "difficulties", "worries"], []),
    (PlannedVisit, "accompaniment__household", ["place"], []),
    (ReminderConsent, "household", ["phone", "email"], []),
    (
        VisitMessage,
        "visit__accompaniment__household",
        ["recipient", "body", "error", "provider_id"],
        [],
    ),
    (AgendaItem, "household", ["title", "reason"], []),
    (Decision, "item__household", ["reason", "cap_override_reason"], []),
    (Orientation, "household", ["reason", "outcome_note"], []),
    (ArchiveConsultation, "household", ["reason"], []),
]
