"""The mail layer: compose (templates), message (the email, and its bytes from the standard library's ``email``
package), journal (never twice), mailers (SMTP via yagmail and smtplib, outbox, memory; ``backends.open_mailer``
picks one), send (limits and journaling), preview."""
