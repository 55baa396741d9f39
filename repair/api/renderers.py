"""A renderer that lets ``Accept: text/csv`` through content negotiation for CSV downloads."""

from rest_framework.renderers import BaseRenderer, JSONRenderer


class CsvDownloadRenderer(BaseRenderer):
    """For views that answer with the CSV file itself (a ``FileResponse``, not rendered).

    Without it a client asking for ``text/csv`` would get 406. The only thing such a
    view hands DRF to render is an error, which is written as JSON under the
    problem's own content type (``application/problem+json``, set by
    ``config.api.problem``).
    """

    media_type = "text/csv"
    format = "csv"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return JSONRenderer().render(data)
