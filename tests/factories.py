"""factory_boy factories for the shared fixtures and for tests that need more rows."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import Account, AccountDevice, Customer, Session
from channels.models import Channel, ChannelCategory
from clients.models import Client, ClientPlayDevice, PlayDevice, PlayDeviceTemplate
from epg.models import EpgChannel, EpgSource, Program
from streaming.models import DataCenter, StreamService
from tariffs.models import Tariff


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Operator {n}")
    domain_prefix = factory.Sequence(lambda n: f"operator{n}")
    email = factory.Sequence(lambda n: f"noc{n}@operator.test")


class PlayDeviceTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlayDeviceTemplate
        django_get_or_create = ("system_name",)

    name = "Classic"
    system_name = "classic"


class PlayDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlayDevice
        django_get_or_create = ("system_name",)

    name = factory.LazyAttribute(lambda o: o.system_name)
    system_name = "android"
    device_group = PlayDevice.Group.MOBILE
    response_format = PlayDevice.Format.JSON


class ClientPlayDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientPlayDevice

    client = factory.SubFactory(ClientFactory)
    play_device = factory.SubFactory(PlayDeviceFactory)


class TariffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tariff

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Tariff {n}")
    basic_sessions_count = 2
    sessions_count = 3


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    client = factory.SubFactory(ClientFactory)
    firstname = "Ivan"
    lastname = factory.Sequence(lambda n: f"Petrov{n}")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account
        skip_postgeneration_save = True

    client = factory.LazyAttribute(lambda o: o.customer.client)
    customer = factory.SubFactory(CustomerFactory)
    abonement = factory.Sequence(lambda n: f"{100000 + n}")
    allow_login_by_abonement = False

    @factory.post_generation
    def raw_password(obj, create, extracted, **kwargs):  # noqa: N805
        obj.set_password(extracted or "1234")
        if create:
            obj.save(update_fields=["password"])


class AccountDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountDevice

    account = factory.SubFactory(AccountFactory)
    client = factory.LazyAttribute(lambda o: o.account.client)
    device_uid = factory.Sequence(lambda n: f"uid-{n}")


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    account = factory.SubFactory(AccountFactory)
    client = factory.LazyAttribute(lambda o: o.account.client)
    authkey = factory.Sequence(lambda n: f"authkey{n:032d}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))


class ChannelCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelCategory

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


class EpgSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EpgSource

    name = factory.Sequence(lambda n: f"source{n}")
    parser = "xmltv_from_file"


class EpgChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EpgChannel

    name = factory.Sequence(lambda n: f"EPG channel {n}")
    ext_id = factory.Sequence(lambda n: f"ch{n}.test")


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    epg_channel = factory.SubFactory(EpgChannelFactory)
    name = factory.Sequence(lambda n: f"Programme {n}")
    time_begin = factory.LazyFunction(lambda: timezone.now().replace(minute=0, second=0, microsecond=0))
    time_end = factory.LazyAttribute(lambda o: o.time_begin + dt.timedelta(hours=1))


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Channel {n}")
    category = factory.SubFactory(ChannelCategoryFactory, client=factory.SelfAttribute("..client"))


class DataCenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataCenter

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"DC {n}")


class StreamServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StreamService

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Streamer {n}")
    live_url_mask = "http://stream.test/$cid/index.m3u8?token=$token"
