"""The accompaniment's models, one module per concept; imported here so that Django and
`from accompaniments.models import X` find them."""

from ..enums import (  # noqa: F401
    CAEN_HABITAT_SIGNAL_KINDS,
    CONTACT_KINDS_REACHING,
    EXIT_OF_CLOSURE,
    AccompanimentStatus,
    AdhesionDegree,
    AutonomyLevel,
    ClosureReason,
    ContactKind,
    EventKind,
    ExtensionStatus,
    InterviewKind,
    MessageKind,
    MessageState,
    ObjectiveStatus,
    ReminderChannel,
    RentPaid,
    SignalKind,
    VisitKind,
    VisitStatus,
)
from .accompaniment import (  # noqa: F401
    MAX_MONTHS,
    MIN_MONTHS,
    Accompaniment,
    AccompanimentEvent,
    AccompanimentQuerySet,
    Extension,
    Objective,
    month_start,
)
from .closure import (  # noqa: F401
    Interview,
    Survey,
)
from .contact import (  # noqa: F401
    AdhesionRecord,
    Contact,
    ContactQuerySet,
)
from .signal import (  # noqa: F401
    Signal,
    SignalQuerySet,
)
from .visit import (  # noqa: F401
    PlannedVisit,
    PlannedVisitQuerySet,
    ReminderConsent,
    VisitMessage,
)
