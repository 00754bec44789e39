"""A calendar invitation (.ics, RFC 5545) for the distribution: one VEVENT, times in UTC, text escaped
and folded at 75 octets, CRLF line ends. A phone adds it to the calendar in one tap."""

from __future__ import annotations

from datetime import UTC, datetime

from ..french import typography

MIME = "text/calendar; method=PUBLISH; charset=UTF-8"
UPDATE_MIME = "text/calendar; method=REQUEST; charset=UTF-8"  # a change of an event already sent


def escape(text: str) -> str:
    """TEXT values: backslash, semicolon and comma escaped, line breaks as \\n."""
    text = str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space, never inside a UTF-8 character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        limit = 75 if not out else 74  # continuation lines start with a space
        if len(current) + len(encoded) > limit:
            out.append(current)
            current = b""
        current += encoded
    out.append(current)
    return "\r\n ".join(part.decode("utf-8") for part in out)


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def invitation(*, uid: str, summary: str, start: datetime, end: datetime, location: str, description: str,
               organizer_name: str, organizer_email: str, now: datetime, url: str = "", sequence: int = 0,
               attendee: str = "") -> bytes:
    """The .ics file's bytes. ``uid`` must be stable (one per sale and group) so a second invitation updates
    the same event instead of adding another. ``sequence`` above 0 makes it an update of the event sent
    before (METHOD:REQUEST, SEQUENCE:n, the recipient as ATTENDEE): calendars move the event they hold."""
    update = sequence > 0
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Paniers//Distribution//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST" if update else "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{escape(uid)}",
        f"DTSTAMP:{utc(now)}",
        *([f"SEQUENCE:{sequence}"] if update else []),
        f"DTSTART:{utc(start)}",
        f"DTEND:{utc(end)}",
        f"SUMMARY:{escape(typography(summary))}",  # read in a calendar: French spacing (sync/french.py)
        f"LOCATION:{escape(location)}",
        f"DESCRIPTION:{escape(typography(description))}",
        f"ORGANIZER;CN={_param(organizer_name)}:mailto:{organizer_email}",
    ]
    if update and attendee:
        lines.append(f"ATTENDEE;RSVP=FALSE;PARTSTAT=ACCEPTED:mailto:{attendee}")
    if url:
        lines.append(f"URL:{url}")
    lines += ["STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")


def _param(text: str) -> str:
    """A parameter value: quoted, without the characters a quoted parameter cannot hold."""
    cleaned = " ".join(str(text).replace('"', "'").split())
    return f'"{cleaned}"'
