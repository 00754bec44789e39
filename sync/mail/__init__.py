"""The mail layer: compose (templates), message (stdlib EmailMessage), journal (never twice), mailers
(SMTP via yagmail, outbox, memory), send (limits and journaling), preview."""
