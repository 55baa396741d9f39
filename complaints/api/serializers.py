from rest_framework import serializers

from complaints.access import roles_of
from complaints.models import User


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    team = serializers.StringRelatedField()
    department = serializers.StringRelatedField()
    scopes = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "roles",
            "team",
            "department",
            "scopes",
        ]
        read_only_fields = fields

    def get_roles(self, user: User) -> list[str]:
        return sorted(roles_of(user))

    def get_scopes(self, user: User) -> list[str] | None:
        token = self.context["request"].auth
        return list(token.scopes) if hasattr(token, "scopes") else None
