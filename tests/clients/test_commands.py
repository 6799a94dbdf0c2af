"""The foundation's management commands (seed 2.2.x, 2.7): good input, bad input, nothing
half-written, MANAGEMENT_COMMAND_* logged."""

import io
import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError

from channels.models import Channel, ChannelCategory
from clients.models import Client, ClientPlayDevice, ClientUser, PlayDevice, PlayDeviceTemplate
from clients.services import SYSTEM_DEVICES, SYSTEM_TEMPLATES
from demo.loader import NOT_SHOWN
from smarty.commands import LockBusyError, command_lock

from .. import factories as f


def run(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def key_values(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.strip().splitlines() if "=" in line)


def management_log_lines() -> list[str]:
    for handler in logging.getLogger("smarty_management").handlers:
        handler.flush()
        with open(handler.baseFilename) as fh:
            return fh.read().splitlines()
    return []


@pytest.mark.django_db
def test_setup_initial_data_creates_the_seeds_device_types_templates_and_a_sample_operator():
    summary = run("setup_initial_data")
    assert PlayDevice.objects.count() == len(SYSTEM_DEVICES) == 19
    assert set(PlayDeviceTemplate.objects.values_list("system_name", flat=True)) == {s for s, _ in SYSTEM_TEMPLATES}
    sample = Client.objects.get(domain_prefix="sample")
    assert ClientPlayDevice.objects.filter(client=sample).count() == 19
    assert "device types created=19" in summary
    assert PlayDevice.objects.get(system_name="sagemcom").response_format == "xml"
    assert PlayDevice.objects.get(system_name="ios").device_group == PlayDevice.Group.MOBILE


@pytest.mark.django_db
def test_setup_initial_data_is_idempotent_and_skips_samples_on_request():
    run("setup_initial_data", "--no-sample-data")
    run("setup_initial_data", "--no-sample-data")
    assert PlayDevice.objects.count() == 19
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_setup_initial_data_logs_success_with_execution_time():
    run("setup_initial_data", "--no-sample-data")
    line = management_log_lines()[-1]
    assert "MANAGEMENT_COMMAND_SUCCESS 'command'='setup_initial_data' 'execution_time'=" in line


@pytest.mark.django_db
def test_create_client_prints_id_and_keys_and_the_operator_works_at_once():
    out = run("create_client", name="Acme", api_key="k" * 32, domain_prefix="acme", email="noc@acme.test")
    facts = key_values(out)
    client = Client.objects.get(pk=int(facts["client_id"]))
    assert facts["api_key"] == client.api_key == "k" * 32
    for key in ("billing_api_key", "content_api_key", "streaming_api_key", "dealers_api_key"):
        assert len(facts[key]) == 32 and facts[key] == getattr(client, key)
    assert len({facts[k] for k in facts if k.endswith("api_key")}) == 5
    assert ClientPlayDevice.objects.filter(client=client).count() == 19


@pytest.mark.django_db
def test_create_client_takes_given_secondary_keys():
    out = run(
        "create_client", name="Acme", api_key="a", domain_prefix="acme", email="n@a.test", billing_api_key="bill-1"
    )
    assert key_values(out)["billing_api_key"] == "bill-1"


@pytest.mark.django_db
def test_create_client_without_required_arguments_fails_and_writes_nothing():
    with pytest.raises(CommandError, match="--domain_prefix"):
        call_command("create_client", name="Acme", api_key="k", email="n@a.test")
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_create_client_with_a_bad_email_or_a_taken_prefix_fails_and_writes_nothing():
    with pytest.raises(CommandError, match="email"):
        call_command("create_client", name="A", api_key="k", domain_prefix="a", email="not-an-email")
    run("create_client", name="A", api_key="k", domain_prefix="a", email="n@a.test")
    with pytest.raises(CommandError, match="domain_prefix"):
        call_command("create_client", name="B", api_key="k2", domain_prefix="a", email="n@b.test")
    assert Client.objects.count() == 1


@pytest.mark.django_db
def test_create_user_binds_the_user_to_an_operator_with_its_flags():
    client = f.ClientFactory()
    out = run("create_user", username="op", password="pw", is_admin="True", client_id=client.pk, monitoring_user="True")
    user = get_user_model().objects.get(username="op")
    assert "created" in out and user.check_password("pw") and user.is_staff and not user.is_superuser
    profile = ClientUser.objects.get(user=user)
    assert profile.client == client and profile.is_admin and profile.is_monitoring


@pytest.mark.django_db
def test_create_user_superuser_and_reset_password():
    run("create_user", username="root", password="one", is_superuser="True")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", username="root", password="two")
    assert get_user_model().objects.get(username="root").check_password("one")
    out = run("create_user", username="root", password="two", reset_password="True")
    assert "password reset" in out
    user = get_user_model().objects.get(username="root")
    assert user.is_superuser and user.check_password("two")


@pytest.mark.django_db
def test_create_user_rejects_unknown_operator_and_bad_flags():
    with pytest.raises(CommandError, match="client_id=404"):
        call_command("create_user", username="x", password="p", client_id=404)
    with pytest.raises(CommandError):
        call_command("create_user", "--username=x", "--password=p", "--is_admin=maybe")
    assert not get_user_model().objects.filter(username="x").exists()


@pytest.mark.django_db
def test_clone_client_copies_settings_and_optionally_channels(operator):
    plain = key_values(run("clone_client", src_client_id=operator.client.pk))
    copy = Client.objects.get(pk=int(plain["client_id"]))
    assert copy.api_key != operator.client.api_key and copy.domain_prefix != operator.client.domain_prefix
    assert not Channel.objects.filter(client=copy).exists()
    assert plain["tariffs"] == "1"

    full = key_values(run("clone_client", "--clone-channels", src_client_id=operator.client.pk))
    copy = Client.objects.get(pk=int(full["client_id"]))
    cloned = Channel.objects.filter(client=copy)
    assert full["channels"] == "3" and cloned.count() == 3
    assert ChannelCategory.objects.filter(client=copy).count() == 1
    for channel in cloned:
        assert channel.category.client_id == copy.pk
        assert [t.client_id for t in channel.tariffs.all()] == [copy.pk]
    # the source is untouched
    assert Channel.objects.filter(client=operator.client).count() == 3


def test_a_full_clone_never_points_at_the_source_operators_rows(operator, other_operator):
    from channels.models import Camera, CameraCategory, Radio
    from vod.models import Video, VideoGenre

    from ..tenancy import cross_operator_links

    source = operator.client
    streets = CameraCategory.objects.create(client=source, name="Streets")
    camera = Camera.objects.create(client=source, name="Square", camera_category=streets)
    camera.tariffs.add(operator.tariff)
    camera.stream_services.add(f.StreamServiceFactory(client=source))
    Radio.objects.create(client=source, name="Radio", uri="http://radio.test").tariffs.add(operator.tariff)
    video = Video.objects.create(client=source, name="Film")
    video.genres.add(VideoGenre.objects.create(client=source, name="Drama"))
    video.tariffs.add(operator.tariff)
    operator.channels[0].stream_services.add(f.StreamServiceFactory(client=source))
    options = ("--clone-channels", "--clone-radio", "--clone-cameras", "--clone-video", "--clone-apps")
    copy = Client.objects.get(pk=int(key_values(run("clone_client", *options, src_client_id=source.pk))["client_id"]))
    assert cross_operator_links() == []
    cloned = Camera.objects.get(client=copy)
    assert cloned.camera_category.client_id == copy.pk and cloned.camera_category.name == "Streets"
    assert [t.client_id for t in cloned.tariffs.all()] == [copy.pk]
    assert [g.name for g in Video.objects.get(client=copy).genres.all()] == ["Drama"]
    # the source keeps its own rows
    assert Camera.objects.get(pk=camera.pk).camera_category_id == streets.pk
    assert CameraCategory.objects.filter(client=source).count() == 1


@pytest.mark.django_db
def test_clone_client_with_an_unknown_source_fails():
    with pytest.raises(CommandError, match="does not exist"):
        call_command("clone_client", src_client_id=999)


@pytest.mark.django_db
def test_flushall_clears_cached_values():
    cache.set("something", 1)
    assert "cache cleared" in run("flushall")
    assert cache.get("something") is None


@pytest.mark.django_db
def test_a_second_run_of_a_locked_command_is_refused_while_the_first_runs():
    with command_lock("demo_lock"):
        with pytest.raises(LockBusyError):
            with command_lock("demo_lock"):
                pass
    with command_lock("demo_lock"):
        pass


@pytest.mark.django_db
def test_load_demo_prints_logins_and_is_idempotent():
    first = key_values(run("load_demo"))
    second = key_values(run("load_demo"))
    # The passwords only by the run that set them; everything else the same.
    assert second["admin_password"] == second["password"] == NOT_SHOWN
    assert first["admin_password"] not in NOT_SHOWN and first["password"] not in NOT_SHOWN
    assert {k: v for k, v in first.items() if "password" not in k} == {
        k: v for k, v in second.items() if "password" not in k
    }
    client = Client.objects.get(pk=int(first["client_id"]))
    assert client.api_key == first["api_key"]
    account = client.account_set.get(abonement=first["abonement"])
    assert account.check_password(first["password"])
    assert get_user_model().objects.get(username=first["admin_username"]).check_password(first["admin_password"])
    assert Channel.objects.filter(client=client).count() == 10


@pytest.mark.django_db
def test_create_user_as_documented_gives_a_login_that_manages_its_operator():
    from django.test import Client as HttpClient

    from accounts.models import Customer

    client = f.ClientFactory()
    other = f.ClientFactory()
    f.CustomerFactory(client=client, firstname="Mine")
    f.CustomerFactory(client=other, firstname="Theirs")
    out = run("create_user", username="boss", password="pw", is_admin="True", client_id=client.pk)
    lines = out.splitlines()
    assert "can=Subscribers: view, create, edit, delete" in lines
    assert "can=Service panel: view, create, edit, delete" in lines
    assert "group=Service panel: manage" in lines and "group=Billing: manage" in lines
    user = get_user_model().objects.get(username="boss")
    assert user.has_perm("accounts.add_customer") and user.has_perm("tariffs.change_tariff")
    assert not user.has_perm("accounts.change_customeractionlog")  # the log stays read-only

    browser = HttpClient()
    assert browser.login(username="boss", password="pw")
    page = browser.get("/admin/accounts/customer/")
    assert page.status_code == 200
    assert "Mine" in page.content.decode() and "Theirs" not in page.content.decode()
    assert browser.get("/admin/accounts/customer/add/").status_code == 200
    assert Customer.objects.count() == 2


@pytest.mark.django_db
def test_create_user_read_only_and_named_groups_narrow_the_login():
    client = f.ClientFactory()
    out = run("create_user", username="viewer", password="pw", client_id=client.pk, read_only="True")
    viewer = get_user_model().objects.get(username="viewer")
    assert viewer.has_perm("accounts.view_customer") and not viewer.has_perm("accounts.add_customer")
    assert "can=Subscribers: view" in out.splitlines()
    assert not any("Service panel" in line for line in out.splitlines())  # not is_admin

    narrow = "billing:manage,subscribers:view"
    out = run("create_user", username="cashier", password="pw", client_id=client.pk, groups=narrow)
    cashier = get_user_model().objects.get(username="cashier")
    assert cashier.has_perm("billing.add_transaction") and not cashier.has_perm("accounts.change_account")
    assert not cashier.has_perm("channels.view_channel")
    assert [line for line in out.splitlines() if line.startswith("can=")] == [
        "can=Billing: view, create, edit, delete",
        "can=Subscribers: view",
    ]


@pytest.mark.django_db
def test_create_user_refuses_an_unknown_group_and_says_when_a_login_can_do_nothing():
    client = f.ClientFactory()
    with pytest.raises(CommandError, match="unknown group 'billing:own'"):
        call_command("create_user", username="x", password="p", client_id=client.pk, groups="billing:own")
    assert not get_user_model().objects.filter(username="x").exists()
    out = run("create_user", username="loose", password="p")
    assert "can=nothing yet" in out
    # groups alone do not open the operator panel to a login bound to no operator
    out = run("create_user", username="loose", password="q", reset_password="True", groups="reports:view")
    assert "group=Reports: view" in out.splitlines() and "can=nothing yet" in out


@pytest.mark.django_db
def test_load_demo_leaves_an_edited_demo_alone_and_never_prints_a_stale_password():
    from accounts.models import Customer

    first = key_values(run("load_demo"))
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("chosen-by-the-admin")
    admin.save()
    customer = Customer.objects.get(ext_id="demo-customer")
    customer.tariffs.clear()
    Channel.objects.filter(client_id=int(first["client_id"]), name="Junior").delete()

    second = key_values(run("load_demo"))
    assert second["admin_password"] == NOT_SHOWN and first["admin_password"] not in second["admin_password"]
    assert second["password"] == NOT_SHOWN
    assert not customer.tariffs.exists()
    assert not Channel.objects.filter(name="Junior").exists()
    assert get_user_model().objects.get(username="admin").check_password("chosen-by-the-admin")


@pytest.mark.django_db
def test_load_demo_reset_password_sets_and_prints_new_passwords_that_open_the_logins():
    from accounts.models import Account

    first = key_values(run("load_demo"))
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("chosen-by-the-admin")
    admin.save()
    reset = key_values(run("load_demo", reset_password=True))
    admin.refresh_from_db()
    account = Account.objects.get(client_id=int(first["client_id"]), abonement=first["abonement"])
    assert reset["admin_password"] not in (NOT_SHOWN, first["admin_password"])
    assert admin.check_password(reset["admin_password"]) and not admin.check_password("chosen-by-the-admin")
    assert account.check_password(reset["password"]) and not account.check_password(first["password"])
    after = key_values(run("load_demo"))
    assert after["admin_password"] == after["password"] == NOT_SHOWN
