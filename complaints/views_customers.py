"""A customer's record for supervisors: everything held on them, export and anonymise.

Thin like the other pages: access, one service call, render.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import forms
from complaints.access import Action, require
from complaints.errors import ApplicationError
from complaints.models import Customer
from complaints.services import privacy


@login_required
def customer_record(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.MANAGE_PERSONAL_DATA)
    customer = get_object_or_404(Customer, pk=pk)
    return _record(request, customer, forms.AnonymiseForm())


def _record(request: HttpRequest, customer: Customer, form, status: int = 200) -> HttpResponse:
    held = privacy.customer_data(customer)
    return render(
        request,
        "complaints/customer.html",
        {
            "customer": customer,
            "tables": [
                (getattr(value, "label", name), len(value))
                for name, value in held.items()
                if name != "customer"
            ],
            "complaints": customer.complaints.order_by("-received_at")[:100],
            "form": form,
            "active_section": "queue",
        },
        status=status,
    )


@login_required
def customer_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything held on the customer as one JSON file (a subject access request)."""
    require(request.user, Action.MANAGE_PERSONAL_DATA)
    customer = get_object_or_404(Customer, pk=pk)
    data = privacy.export_customer_data(customer, by=request.user, via="page", path=request.path)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}.json"'
    return response


@login_required
@require_POST
def customer_anonymise(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.MANAGE_PERSONAL_DATA)
    customer = get_object_or_404(Customer, pk=pk)
    form = forms.AnonymiseForm(request.POST)
    if form.is_valid():
        try:
            privacy.anonymise_customer(
                customer,
                by=request.user,
                reason=form.cleaned_data["reason"],
                via="page",
                path=request.path,
            )
        except ApplicationError as error:
            forms.apply_error(form, error)
        else:
            messages.success(
                request,
                _("The customer's identity is removed; their complaints stay for statistics."),
            )
            return redirect("complaints:customer", pk=customer.pk)
    return _record(request, customer, form, status=400)
