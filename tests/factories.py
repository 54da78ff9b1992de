"""factory_boy factories: users with roles, and projects made through the service layer."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from projects import services

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        for role in extracted or ():
            # get_or_create: transactional tests flush the groups made by the data migration
            self.groups.add(Group.objects.get_or_create(name=role)[0])


def make_user(username: str, *roles: str, **fields):
    return UserFactory(username=username, roles=list(roles), **fields)


class ProjectFactory(factory.Factory):
    """Projects are made by project_create so the owner's object permissions exist."""

    class Meta:
        model = dict

    name = factory.Sequence(lambda n: f"project-{n}")
    description = "A project"
    owner = None

    @classmethod
    def _create(cls, model_class, *, owner, name, description):
        return services.project_create(actor=owner, name=name, description=description)
