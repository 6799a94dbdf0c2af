"""The one exception the API layers raise; the registry renders it as the method's envelope."""

from __future__ import annotations


class ApiError(Exception):
    """An API-level failure: `code` is the method's numeric `error` value.

    `fields` names the offending parameters (`error_fields`), `extra` adds fields to the
    envelope (for example the `devices` list of login error 5), `status` the HTTP status for
    protocols that use one (token checks for streaming servers).
    """

    def __init__(
        self,
        code: int,
        message: str = "",
        fields: dict[str, str] | None = None,
        *,
        extra: dict | None = None,
        status: int = 200,
    ) -> None:
        super().__init__(message or f"error {code}")
        self.code = code
        self.message = message
        self.fields = fields
        self.extra = extra or {}
        self.status = status

    def envelope(self) -> dict:
        body: dict = {"error": self.code, "error_message": self.message}
        if self.fields:
            body["error_fields"] = self.fields
        body.update(self.extra)
        return body
