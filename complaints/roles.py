"""The permissions each role (group) holds, applied by data migrations.

Each app grants its own models' permissions in its own migration, so the
dependency direction complaints ← surveys ← repair holds for data too.
"""

from django.contrib.auth.management import create_permissions

from complaints.enums import Role

ALL = "__all__"


def grant_permissions(apps, app_label: str, grants: dict[Role, list[str] | str]) -> None:
    """Give each role the listed permission codenames of ``app_label`` (ALL for every one).

    Permissions are normally created after migrations run; create them now so
    that a fresh database gets its roles in the same ``migrate``.
    """
    app_config = apps.get_app_config(app_label)
    # Migration-state app configs carry no models module; create_permissions
    # skips such apps unless told the models are there.
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    app_permissions = Permission.objects.filter(content_type__app_label=app_label)
    for role, codenames in grants.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        if codenames == ALL:
            wanted = list(app_permissions)
        else:
            wanted = list(app_permissions.filter(codename__in=codenames))
            missing = set(codenames) - {permission.codename for permission in wanted}
            if missing:
                raise LookupError(f"Unknown {app_label} permissions: {sorted(missing)}")
        group.permissions.add(*wanted)


def grant_role_like(apps, app_label: str, role: Role, *, like: Role, extra: list[str] = ()) -> None:
    """Give ``role`` every ``app_label`` permission ``like`` holds now, plus ``extra`` codenames.

    For a role built on another (a team lead is an agent who also sees the board).
    A later migration that grants ``like`` more must grant ``role`` the same.
    """
    Group = apps.get_model("auth", "Group")
    base = Group.objects.filter(name=like.value).first()
    codenames = list(
        base.permissions.filter(content_type__app_label=app_label).values_list(
            "codename", flat=True
        )
        if base
        else []
    )
    grant_permissions(apps, app_label, {role: [*codenames, *extra]})
