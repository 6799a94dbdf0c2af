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
