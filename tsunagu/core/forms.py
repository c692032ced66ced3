from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class StyleguideForm(forms.Form):
    customer_code = forms.CharField(
        label=_("Customer code"), max_length=20, help_text=_("Up to 20 letters or digits.")
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
