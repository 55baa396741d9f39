"""What the complaints app announces to the apps that build on it.

``complaints`` imports neither ``surveys`` nor ``repair``; they connect
receivers in their ``AppConfig.ready()``. Services send these inside
``transaction.on_commit`` so that receivers never see a rolled-back change.
Every signal passes ``complaint`` (a Complaint) as a keyword argument.
"""

from django.dispatch import Signal

complaint_registered = Signal()
complaint_resolved = Signal()
complaint_closed = Signal()
complaint_reopened = Signal()
sla_warned = Signal()
sla_breached = Signal()
