"""TVMW error codes shared by many methods (reference tvmw/*.md); method-specific codes are
named next to their method. tests/tvmiddleware/test_error_codes.py freezes them against
the reference's spec.json."""

OK = 0
BAD_PARAMS = 1  # "Один из параметров передан неверно" in most methods
AUTH_REQUIRED = 403  # "Требуется авторизация"
BAD_CLIENT = 403  # noauth methods: "Некорректно указаны client_id или api_key"
NOT_FOUND = 404
UNKNOWN = 500  # "Внутренняя ошибка"

# Login (/login/)
LOGIN_ACCOUNT_NOT_FOUND = 1
LOGIN_ACCOUNT_INACTIVE = 2
LOGIN_SESSION_CREATE_FAILED = 3
LOGIN_BAD_CLIENT = 4
LOGIN_BASIC_SESSIONS_LIMIT = 5
LOGIN_DEVICE_BOUND_ELSEWHERE = 6
LOGIN_EXTERNAL_API_ERROR = 7
LOGIN_NO_TARIFF = 8
LOGIN_FORBIDDEN_SUBNET = 9
LOGIN_BASIC_DEVICES_FORBIDDEN = 10
LOGIN_ADDITIONAL_DEVICES_FORBIDDEN = 11
LOGIN_AMBIGUOUS_IP = 12
LOGIN_DEVICE_GROUP_FORBIDDEN = 15
LOGIN_DEVICE_GROUP_SESSIONS_LIMIT = 16

# --- tvmw-auth: login, sessions, account, messages, portal --------------------------------
# /login/ (continued)
LOGIN_PHONE_CODE_SENT = 17
LOGIN_PHONE_WRONG_CODE = 18
LOGIN_PHONE_CALL_REQUESTED = 19
LOGIN_PHONE_AWAITING_CALL = 20
LOGIN_PHONE_AWAITING_SMS_CODE = 21
LOGIN_PHONE_FLASH_CALL_SENT = 22
LOGIN_PHONE_FLASH_CALL_WRONG_CODE = 23
LOGIN_PHONE_AWAITING_FLASH_CALL = 24
LOGIN_PHONE_TOO_FREQUENT = 25
LOGIN_PHONE_INVALID = 26
LOGIN_BAD_UNBINDING_DEVICE = 27
LOGIN_TOO_MANY_ATTEMPTS = 28

# /login/customer_list/
CUSTOMER_LIST_ONE = 0
CUSTOMER_LIST_NONE = 1
CUSTOMER_LIST_SEVERAL = 2
CUSTOMER_LIST_CODE_SENT = 3
CUSTOMER_LIST_WRONG_CODE = 4
CUSTOMER_LIST_AWAITING_CODE = 5
CUSTOMER_LIST_TOO_FREQUENT = 6
CUSTOMER_LIST_SEND_FAILED = 7
CUSTOMER_LIST_BAD_PARAMS = 8

# /account/status/: `status` field values (not error codes)
STATUS_ACTIVE = 0
STATUS_NO_SESSION = 1
STATUS_DEACTIVATED = 2

# /account/password/change/
PASSWORD_CHANGE_BAD_PARAMS = 1
PASSWORD_CHANGE_FAILED = 2

# /account/parent_code/set/, /account/settings/modify/ (template not found),
# /message/detail/ and /message/delete/ (bad uuid), /settings/save/
PARENT_CODE_BAD_PARAMS = 1
SETTINGS_TEMPLATE_NOT_FOUND = 1
MESSAGE_BAD_UUID = 1
SETTINGS_SAVE_FAILED = 1

# /account/profile/settings/modify/
PROFILE_BAD_ID = 1
PROFILE_BAD_NAME = 2

# /portal/settings/list/
PORTAL_NO_DEVICE = 1
PORTAL_DEVICE_NOT_ALLOWED = 2
