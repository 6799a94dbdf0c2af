"""The Dealers API's error codes, one namespace per method (reference dealers.md). Every
method shares 401 (dealer not found, or a request from a network it may not use) and 500
(the request failed on the server)."""

from __future__ import annotations

OK = 0
DEALER_NOT_FOUND = 401
SERVER_ERROR = 500


class _Common:
    OK = OK
    DEALER_NOT_FOUND = DEALER_NOT_FOUND
    SERVER_ERROR = SERVER_ERROR


class AccountCreate(_Common):
    CUSTOMER_NOT_FOUND = 1
    INVALID = 2
    CREATE_FAILED = 3


class AccountDeviceCreate(_Common):
    ACCOUNT_NOT_FOUND = 1
    DEVICE_TYPE_NOT_FOUND = 2
    INVALID = 3
    UID_EXISTS = 4
    AMBIGUOUS_DEVICE_TYPE = 5
    DEVICE_TYPE_REQUIRED = 6


class AccountDeviceModify(_Common):
    NOT_FOUND = 1
    INVALID = 2


class AccountInfo(_Common):
    NOT_FOUND = 1


class AccountModify(_Common):
    NOT_FOUND = 1
    INVALID = 2


class CustomerCreate(_Common):
    EXT_ID_EXISTS = 1
    IP_LIMIT = 2
    INVALID = 3


class CustomerInfo(_Common):
    NOT_FOUND = 1


class CustomerTariffAssign(_Common):
    CUSTOMER_NOT_FOUND = 1
    TARIFF_NOT_FOUND = 2
    FAILED = 4


class CustomerTariffRemove(_Common):
    CUSTOMER_NOT_FOUND = 1
    TARIFF_NOT_FOUND = 2
    FAILED = 3
