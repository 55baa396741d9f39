import pytest
from django.core.management import call_command

from complaints.models import Complaint, Customer, User

pytestmark = pytest.mark.django_db


def test_demo_data_is_idempotent_and_bilingual(capsys):
    call_command("load_demo_data")
    counts = (User.objects.count(), Customer.objects.count(), Complaint.objects.count())
    call_command("load_demo_data")
    assert (User.objects.count(), Customer.objects.count(), Complaint.objects.count()) == counts
    output = capsys.readouterr().out
    assert "agent-demo-2026" in output and "supervisor" in output
    descriptions = " ".join(Complaint.objects.values_list("description", flat=True))
    assert "宽带" in descriptions and "router" in descriptions
    agent = User.objects.get(username="agent")
    assert agent.check_password("agent-demo-2026")
    assert agent.groups.filter(name="Agent").exists()


def test_demo_data_is_refused_in_production(settings):
    from django.core.management.base import CommandError

    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError):
        call_command("load_demo_data")
