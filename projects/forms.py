"""Forms of the projects pages: shape only; the rules live in projects.services."""

from django import forms


class ProjectForm(forms.Form):
    name = forms.CharField(
        max_length=200, strip=False, help_text="Lower-case letters, digits and '-', at most 26."
    )
    description = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CollaboratorForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"list": "known-modelers", "autocomplete": "off"}),
        help_text="A modeler's username; people you already work with are suggested.",
    )
