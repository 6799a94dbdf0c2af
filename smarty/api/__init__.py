"""Protocol machinery shared by the legacy APIs (TVMW, Billing, Content, Dealers, Streaming,
monitoring): one error type, declared parameters, JSON/XML rendering, signatures and a
method registry that turns every failure into the API's own envelope."""

from .errors import ApiError
from .params import (
    Date,
    DateTime,
    Decimal,
    Flag,
    Json,
    Number,
    NumberList,
    Pin,
    String,
    json_loads,
    parse_params,
)
from .registry import Api, Call
from .render import wire_number

__all__ = [
    "Api",
    "ApiError",
    "Call",
    "Date",
    "DateTime",
    "Decimal",
    "Flag",
    "Json",
    "Number",
    "NumberList",
    "Pin",
    "String",
    "json_loads",
    "parse_params",
    "wire_number",
]
