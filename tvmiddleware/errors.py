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

# --- self-service: customer, subscriptions, promo, registration, devices ------------------------
# /customer/autopayment/
AUTOPAYMENT_BAD_ENABLED = 1
AUTOPAYMENT_ALREADY_DISABLED = 2
AUTOPAYMENT_ENABLE_UNAVAILABLE = 3

# /customer/balance/, /customer/payment/info/: no external billing answers here
BALANCE_NO_METHOD = 1
PAYMENT_INFO_NO_METHOD = 1

# /customer/billing_details_notify/
DETAILS_UNKNOWN = 1
DETAILS_EMAIL_TAKEN = 2
DETAILS_NOTHING_IN_PERIOD = 3

# /customer/device/delete/
CUSTOMER_DEVICE_NOT_FOUND = 1

# /customer/info/
CUSTOMER_INFO_BAD_DATES = 2

# /customer/info/set/
INFO_SET_BAD_PARAMS = 1
INFO_SET_PHONE_TAKEN = 2
INFO_SET_PHONE_CODE_SENT = 3
INFO_SET_PHONE_AWAITING = 4
INFO_SET_PHONE_WRONG_CODE = 5
INFO_SET_PHONE_INVALID = 6
INFO_SET_SMS_FAILED = 7

# /customer/invoice/complete/
INVOICE_UNSUPPORTED = 106
INVOICE_ID_MISSING = 120

# /customer/tariff/subscribe/, /account/tariff/subscribe (and unsubscribe, subscription/cost)
SUBSCRIBE_UNAVAILABLE = 1
SUBSCRIBE_NO_FUNDS = 2
SUBSCRIBE_ALREADY = 3
SUBSCRIBE_NOT_CONFIGURED = 4
SUBSCRIBE_SECOND_BASIC = 5
SUBSCRIBE_NO_TARIFF = 120
UNSUBSCRIBE_NOT_ASSIGNED = 1
UNSUBSCRIBE_BASIC = 2
UNSUBSCRIBE_NOT_CONFIGURED = 4
UNSUBSCRIBE_FORBIDDEN = 5
COST_UNAVAILABLE = 1

# /promo/activate/
PROMO_NOT_FOUND = 1
PROMO_INVALID = 2
PROMO_ALREADY_ACTIVATED = 3
PROMO_NOT_VALID_NOW = 4
PROMO_UNKNOWN = 5
PROMO_INACTIVE_ACCOUNT = 6

# /noauth/device/exists/
DEVICE_EXISTS_MISSING_PARAM = 1
DEVICE_EXISTS_NOT_FOUND = 2
