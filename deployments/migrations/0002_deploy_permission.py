"""The `projects.deploy_project` permission, held by the APS_DEVOPS group for every project.

SPEC §8.2: a devops user reads every release. An administrator scopes a team by removing the
permission from the group and granting it per project (guardian object permission) instead.
"""

from django.db import migrations

CODENAME = "deploy_project"
NAME = "Can deploy the project's releases (APS_DEVOPS)"


def create_permission(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group")
    project_type, _ = content_type.objects.get_or_create(app_label="projects", model="project")
    deploy, _ = permission.objects.get_or_create(
        codename=CODENAME, content_type=project_type, defaults={"name": NAME}
    )
    devops, _ = group.objects.get_or_create(name="APS_DEVOPS")
    devops.permissions.add(deploy)


def remove_permission(apps, schema_editor):
    apps.get_model("auth", "Permission").objects.filter(
        codename=CODENAME, content_type__app_label="projects"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deployments", "0001_initial"),
        ("modeler", "0001_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_permission, remove_permission)]
