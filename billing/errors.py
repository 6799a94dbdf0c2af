"""Billing API error codes (reference billing.md), one namespace per method. Codes common to
every method are at the top; tests/billing/test_contract.py freezes them against the
reference: every documented code of every method has a name here, and nothing else does."""

OK = 0
UNKNOWN = -1  # also: malformed values of methods whose reference defines no code for them
BAD_SIGNATURE = -2
UNKNOWN_CLIENT = -3


class AccountActivate:
    NOT_FOUND = 1
    EXTERNAL_API = 2


class AccountDeactivate:
    NOT_FOUND = 1
    EXTERNAL_API = 2


class AccountDelete:
    NOT_FOUND = 1


class AccountCameraCreate:
    BAD_PARAMS = 1
    ACCOUNT_NOT_FOUND = 2
    CAMERA_NOT_FOUND = 3


class AccountCameraDelete:
    BAD_PARAMS = 1
    ACCOUNT_NOT_FOUND = 2
    CAMERA_NOT_FOUND = 3


class AccountCreate:
    CUSTOMER_NOT_FOUND = 1
    INVALID = 2
    CREATE_FAILED = 3  # ext_id or abonement already taken, no free abonement


class AccountDeviceCreate:
    ACCOUNT_NOT_FOUND = 1
    DEVICE_TYPE_NOT_FOUND = 2
    INVALID = 3
    UID_EXISTS = 4
    AMBIGUOUS_DEVICE_TYPE = 5
    DEVICE_TYPE_REQUIRED = 6


class AccountDeviceDelete:
    NOT_FOUND = 1


class AccountDeviceModify:
    NOT_FOUND = 1
    INVALID = 2


class AccountInfo:
    NOT_FOUND = 1


class AccountList:
    pass


class AccountMessageCreate:
    NOT_FOUND = 1
    INVALID = 2


class AccountModify:
    NOT_FOUND = 1
    INVALID = 2


class AccountTariffAssign:
    ACCOUNT_NOT_FOUND = 1
    TARIFF_NOT_FOUND = 2
    FAILED = 3  # the tariff is disabled


class AccountTariffRemove:
    ACCOUNT_NOT_FOUND = 1
    TARIFF_NOT_FOUND = 2


class AuthkeyDelete:
    INVALID = 1  # neither authkey_id nor authkey_key, or a malformed one
    NOT_FOUND = 2


class CustomerCreate:
    EXT_ID_EXISTS = 1
    IP_LIMIT = 2
    INVALID = 3


class CustomerDelete:
    NOT_FOUND = 1


class CustomerInfo:
    NOT_FOUND = 1


class CustomerList:
    TARIFF_NOT_FOUND = 1
    BAD_TARIFF_ID = 2


class CustomerMerchantUrl:
    CUSTOMER_NOT_FOUND = 1
    BAD_AMOUNT = 2
    MERCHANT_NOT_FOUND = 3
    URL_FAILED = 4
    GATEWAY_CONFIG = 723


class _GatewayCodes:
    """Payment gateway outcomes shared by payment/create and payment/process."""

    UNKNOWN = 1
    GATEWAY_INTERNAL = 2
    GATEWAY_EXTERNAL = 3
    BAD_REQUEST = 4
    INSTRUMENT = 5
    FRAUD = 6
    INSUFFICIENT_FUNDS = 7
    LIMIT = 8
    AUTHORIZATION = 9
    BAD_CARD = 10
    ISSUER = 11
    NOT_REGISTERED = 12
    NOT_SUPPORTED = 13
    REGISTRATION = 14
    CUSTOMER_NOT_FOUND = 100


class CustomerPaymentCreate(_GatewayCodes):
    GATEWAY_CONFIG = 723


class CustomerPaymentProcess(_GatewayCodes):
    pass


class CustomerModify:
    NOT_FOUND = 1
    INVALID = 2


class CustomerSavedCardPay:
    NOT_FOUND = 1
    INVALID = 2
    FAILED = 3


class CustomerTariffAssign:
    CUSTOMER_NOT_FOUND = 1
    TARIFF_NOT_FOUND = 2
    LOW_BALANCE = 3  # deprecated in the reference; never answered (internal billing puts accounts in DEBT)
    FAILED = 4


class CustomerTariffRemove:
    CUSTOMER_NOT_FOUND = 1
    TARIFF_NOT_FOUND = 2
    FAILED = 3


class CustomerTariffSubscriptionCreate:
    CUSTOMER_NOT_FOUND = 1
    TARIFF_NOT_FOUND = 2
    FAILED = 3
    NO_SUBSCRIPTIONS = 100


class CustomerTariffSubscriptionDelete:
    NOT_FOUND = 1
    FAILED = 2
    NO_SUBSCRIPTIONS = 100


class CustomerTransactionList:
    NOT_FOUND = 1


class PromoActivate:
    ACCOUNT_NOT_FOUND = 1
    PROMO_NOT_FOUND = 2
    INVALID = 3
    ALREADY_ACTIVATED = 4
    NOT_VALID_NOW = 5
    FAILED = 6


class PromoCreate:
    ACCOUNT_NOT_FOUND = 1
    FAILED = 2  # also: invalid parameters (the reference has no separate code)


class SessionList:
    pass


class TariffAdditionalList:
    pass


class TariffBasicList:
    pass


class TariffOptionList:
    pass


class TariffList:
    pass


class TariffCreate:
    INVALID = 1


class TariffModify:
    NOT_FOUND = 1  # also: invalid parameters


class TariffDelete:
    NOT_FOUND = 1
    FAILED = 2


class TariffStreamServiceAssign:
    TARIFF_NOT_FOUND = 1
    SERVICE_NOT_FOUND = 2
    FAILED = 3


class TariffStreamServiceRemove:
    TARIFF_NOT_FOUND = 1
    SERVICE_NOT_FOUND = 2
    FAILED = 3


class TransactionCreate:
    EXT_ID_EXISTS = 1
    EXT_ID_MISSING = 2
    VIDEO_EXT_ID_MISSING = 3
    VIDEO_NOT_FOUND = 4
    BAD_DATE = 5


class TransactionDelete:
    NOT_FOUND = 1
    EXT_ID_MISSING = 2


def codes(namespace: type) -> dict[str, int]:
    """The named codes of one method (inherited names included)."""
    return {
        name: getattr(namespace, name)
        for name in dir(namespace)
        if not name.startswith("_") and isinstance(getattr(namespace, name), int)
    }
