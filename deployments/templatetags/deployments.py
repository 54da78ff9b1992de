"""Template filters of the deployments app: `user|is_devops` for the header's Deployments link."""

from django import template

from modeler.roles import APS_DEVOPS, has_role

register = template.Library()


@register.filter
def is_devops(user) -> bool:
    return has_role(user, APS_DEVOPS)
