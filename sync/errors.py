"""The project's own errors. Each carries a French message meant for the person running the job."""


class PaniersError(Exception):
    """Base class: a problem that stops a job, with a French message for the coordinator."""

    exit_code = 1


class ConfigError(PaniersError):
    """The configuration file is missing, unreadable or has a wrong key or value."""

    exit_code = 2


class StoreError(PaniersError):
    """The workbook or Google Sheet cannot be read or written."""


class StoreLockedError(StoreError):
    """The workbook is open in another program (LibreOffice's lock file is present)."""


class UsageError(PaniersError):
    """The command line asks for something that cannot be done (unknown sale, bad --now)."""

    exit_code = 2


class MailError(PaniersError):
    """The mail server cannot be reached, refuses the login, or stops accepting messages."""
class FormsError(PaniersError):
    """The Google Form cannot be read or rewritten (not shared, not found, being edited, no answer)."""
