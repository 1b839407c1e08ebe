"""Logging redacts by default: an exception's message (which may quote a customer) never reaches a log line."""

from __future__ import annotations

import logging

import pytest

from runtime.logs import RedactingFormatter, log_unexpected, redacted_traceback

SECRET = "王芳 13800138000"


def _failure() -> Exception:
    try:
        try:
            raise KeyError(SECRET)
        except KeyError as inner:
            raise ValueError(f"while handling {SECRET}") from inner
    except ValueError as error:
        return error


def test_redacted_traceback_keeps_types_and_frames_of_the_whole_chain() -> None:
    text = redacted_traceback(_failure())
    assert "KeyError (message withheld)" in text and "ValueError (message withheld)" in text
    assert "_failure" in text  # where it was raised
    assert "13800138000" not in text and "王芳" not in text


def test_log_unexpected_names_what_failed_without_the_message(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        log_unexpected(logging.getLogger("tests"), _failure(), what="update 7")
    assert "update 7 failed with ValueError" in caplog.text
    assert "13800138000" not in caplog.text


def test_the_formatter_redacts_logger_exception_anywhere() -> None:
    error = _failure()
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "job failed", None, (type(error), error, error.__traceback__)
    )
    line = RedactingFormatter("%(message)s").format(record)
    assert line.startswith("job failed") and "ValueError" in line and "13800138000" not in line
