"""Content API error codes (reference content.md), one namespace per method with codes of its
own. The codes every method shares are at the top; tests/content/test_contract.py freezes
them against the reference: every documented code of every method has a name here, and
nothing else does (besides the three protocol codes the server APIs share, below)."""

OK = 0
BAD_PARAM = 20  # a parameter missing or malformed (not a number, not in the allowed values)
INVALID = 21  # the object does not validate (a field too long, an unknown related id)
SAVE_FAILED = 22  # the database refused the write (a duplicate ext_id)
NOT_FOUND = 404  # the object the request names is not the operator's

# The server APIs' protocol codes (billing.md "Общие коды ошибок"): the Content API is signed
# the same way; its reference names no code for these, so the Billing API's are used.
UNKNOWN = -1
BAD_SIGNATURE = -2
UNKNOWN_CLIENT = -3


class ActorCreate:
    CONNECTION = 1
    DOWNLOAD_BLOCKED = 2
    BAD_ID = 3
    PROCESSING = 4
    API_KEY = 5
    RATE_LIMIT = 6
    DOWNLOAD = 7


class ActorModify(ActorCreate):
    pass


class EPGChannelIconUpload:
    CLIENT_NOT_ALLOWED = 1
    BAD_EXTRA_SIZES = 2
    ICON_DOWNLOAD = 3
    NO_MAIN_ICON = 4


class EpisodeCreate:
    IMAGE_FETCH = 1
    IMAGE_UNSUITABLE = 2


class EpisodeModify:
    IMAGE = 1


class ProgramBlockingCreate:
    PROGRAM_NOT_FOUND = 1
    CHANNEL_NOT_FOUND = 2
    PROGRAM_AT_TIME_NOT_FOUND = 3
    PID_OR_PREFIX_REQUIRED = 4


class SeanceTicketCreate:
    CODE_TAKEN = 1


class SelectionModify:
    ALREADY_IN_SELECTION = 1


class TargetBannerCreate:
    IMAGE = 1


class TargetBannerModify:
    IMAGE = 1


class VideoModify:
    CONNECTION = 1
    DOWNLOAD_BLOCKED = 2
    BAD_ID = 3
    PROCESSING = 4
    DOWNLOAD = 5
    RATE_LIMIT = 6
    LOADING = 7


def codes(namespace: type) -> dict[str, int]:
    """The named codes of one method (inherited names included)."""
    return {
        name: getattr(namespace, name)
        for name in dir(namespace)
        if not name.startswith("_") and isinstance(getattr(namespace, name), int)
    }
