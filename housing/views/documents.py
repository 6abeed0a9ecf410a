from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from audit.models import Action, log
from audit.once import submitted_once
from caen_accompagnement.forms import add_errors
from caen_accompagnement.pdf import pdf_response
from caen_accompagnement.uploads import private_file_response

from ..forms import SignForm
from ..models import (
    AgreementDocument,
    DocumentKind,
)
from .base import _household, can_manage_document, can_see_identity
from .pathway import _pathway_page

# --- documents ----------------------------------------------------------------------------


@require_POST
@submitted_once
def document_generate(request, pk, kind):
    if kind not in DocumentKind.values:
        raise Http404
    household = _household(request, pk)
    if not can_manage_document(request.user, kind, household):
        raise PermissionDenied("Vous ne pouvez pas générer ce document.")
    try:
        document = AgreementDocument.generate(household, kind, by=request.user)
    except ValidationError as exc:
        return _pathway_page(request, household, status=422, errors=exc.messages)
    log(request, Action.CREATE, document, label=f"{document.get_kind_display()} v{document.number}")
    # "version" is the subject: the contract is masculine, the convention feminine.
    messages.success(request, f"{document.get_kind_display()} : version {document.number} générée.")
    return redirect("housing:pathway", pk=household.pk)


def _document(request, pk):
    document = get_object_or_404(
        AgreementDocument.objects.visible_to(request.user).select_related("household"), pk=pk
    )
    # The document names every member: 403 (the pathway page lists it, its existence is known).
    if not can_see_identity(request.user, document.household):
        raise PermissionDenied(
            "Ce document nomme les membres du ménage : il ne vous est pas ouvert."
        )
    return document


def document_download(request, pk):
    document = _document(request, pk)
    log(request, Action.EXPORT, document, label=f"Téléchargement {document.get_kind_display()}")
    document.ensure_pdf()
    with document.pdf.open("rb") as handle:
        return pdf_response(handle.read(), document.filename)


@require_POST
def document_sign(request, pk):
    document = _document(request, pk)
    household = _household(request, document.household_id)
    if not can_manage_document(request.user, document.kind, household):
        raise PermissionDenied("Vous ne pouvez pas enregistrer cette signature.")
    form = SignForm(request.POST, request.FILES, prefix=f"s{document.pk}")
    if form.is_valid():
        try:
            document.mark_signed(
                on=form.cleaned_data["signed_on"], scan=form.cleaned_data["scan"], by=request.user
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            log(request, Action.UPDATE, document, label=f"Signature {document.get_kind_display()}")
            messages.success(
                request,
                f"{document.get_kind_display()} : version {document.number} enregistrée "
                "comme signée.",
            )
            return redirect("housing:pathway", pk=household.pk)
    return _pathway_page(request, household, status=422, **{f"sign_{document.pk}": form})


def document_scan(request, pk):
    document = _document(request, pk)
    if not document.signed_scan:
        raise Http404
    log(request, Action.EXPORT, document, label=f"Exemplaire signé {document.get_kind_display()}")
    extension = document.signed_scan.name.rsplit(".", 1)[-1].lower()
    return private_file_response(
        document.signed_scan, f"signe-{document.filename.rsplit('.', 1)[0]}.{extension}"
    )
