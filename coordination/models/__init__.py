"""The cellule's and comité's models, one module per concept; imported here so that Django,
the migrations and `from coordination.models import X` find them."""

from ..enums import ItemKind, MeetingKind, Outcome  # noqa: F401
from .comite import (  # noqa: F401
    Adjustment,
    ComiteParticipant,
)
from .meeting import (  # noqa: F401
    ALL_MEETINGS_ROLES,
    MEMBER_ROLES,
    MINUTES_AUDIENCE,
    QUARTER,
    AgendaItem,
    AgendaItemQuerySet,
    Decision,
    Meeting,
    MeetingQuerySet,
    Minutes,
    MinutesDelivery,
    MinutesQuerySet,
    MinutesRecipient,
    StandingMember,
    _bilan_path,
    _minutes_path,
    ddcs_recipients,
    next_quarter_gap,
    possible_members,
)
from .partner import (  # noqa: F401
    Orientation,
    OrientationQuerySet,
    Partner,
    PartnerContact,
)
