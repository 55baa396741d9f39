"""factory_boy factories shared by every app's tests."""

import factory
from django.contrib.auth.models import Group

from complaints.enums import Channel
from complaints.models import Category, Complaint, Customer, Department, Team, User
from complaints.services import register_complaint

TEST_PASSWORD = "correct horse battery staple"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = "billing"
    name = "Billing"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Faker("name")
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")


def make_complaint(**fields) -> Complaint:
    """A complaint registered through the real service."""
    if "customer" not in fields:
        fields["customer"] = CustomerFactory()
    fields.setdefault("channel", Channel.PHONE)
    fields.setdefault("description", "Broadband down since yesterday")
    fields.setdefault("category", Category.objects.get(code="network_signal"))
    return register_complaint(**fields)
