"""Attachments: images and PDFs, checked by their content, not their name."""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from complaints.enums import EventKind
from complaints.errors import ApplicationError
from complaints.models import Attachment, Complaint, User
from complaints.services.lifecycle import lock_complaint, record_event

# Leading bytes of the accepted formats → (content type, extension).
_SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
]


def sniff_content_type(head: bytes) -> tuple[str, str] | None:
    """The content type and extension the bytes really are, or None if not accepted."""
    for signature, content_type, extension in _SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


def add_attachment(complaint: Complaint, *, upload: UploadedFile, by: User | None) -> Attachment:
    """Keep an uploaded image or PDF with the complaint (10 MB at most by default)."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        message = _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
        raise ApplicationError(message, code="too_large", status=413, details={"file": [message]})
    upload.seek(0)
    sniffed = sniff_content_type(upload.read(16))
    upload.seek(0)
    if sniffed is None:
        message = _("Only images (JPEG, PNG, GIF, WebP) and PDF files can be attached.")
        raise ApplicationError(message, code="unsupported_type", details={"file": [message]})
    content_type, extension = sniffed
    with transaction.atomic():
        locked = lock_complaint(complaint)
        attachment = Attachment(
            complaint=locked,
            original_name=(upload.name or "attachment")[-200:],
            content_type=content_type,
            size=upload.size,
            uploaded_by=by,
        )
        attachment.extension = extension
        attachment.file.save(upload.name or "attachment", upload, save=False)
        try:
            attachment.save()
            record_event(
                locked,
                EventKind.ATTACHMENT_ADDED,
                by=by,
                message=attachment.original_name,
                after={"attachment": attachment.pk, "content_type": content_type},
            )
        except Exception:
            attachment.file.delete(save=False)  # no orphan file when the row is refused
            raise
    return attachment
