"""Every write of the sessions app: the workflow (state machine, signing, addenda), charting
and aftercare. Import from here: `from mesodesk.sessions import services`."""

from mesodesk.sessions.services.aftercare import aftercare_generate, aftercare_send
from mesodesk.sessions.services.charting import (
    CHARTABLE,
    MAX_POINTS,
    point_add,
    point_remove,
    session_copy_previous_map,
)
from mesodesk.sessions.services.workflow import (
    session_addendum_add,
    session_check_in,
    session_complete,
    session_confirm_photos,
    session_create,
    session_end,
    session_prepare,
    session_reconfirm,
    session_record_anaesthetic,
    session_record_antisepsis,
    session_sign,
    session_start,
)

__all__ = [
    "CHARTABLE",
    "MAX_POINTS",
    "aftercare_generate",
    "aftercare_send",
    "point_add",
    "point_remove",
    "session_addendum_add",
    "session_check_in",
    "session_complete",
    "session_confirm_photos",
    "session_copy_previous_map",
    "session_create",
    "session_end",
    "session_prepare",
    "session_reconfirm",
    "session_record_anaesthetic",
    "session_record_antisepsis",
    "session_sign",
    "session_start",
]
