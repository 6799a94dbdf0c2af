"""The MAG portal page in headless Chromium: a box loads `stalker_portal/c/`, the page
handshakes, reads the profile and the channel list, shows the guide and hands the player
the tokenised address create_link gave (the box's gSTB player when there is one, an HTML5
video element otherwise); a new box logs in first."""

from __future__ import annotations

import pytest

from accounts.models import AccountDevice

from .conftest import MAC, assert_played_once

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_STB = """
window.__played = [];
window.gSTB = {
  GetDeviceMacAddress: function () { return "%s"; },
  InitPlayer: function () {},
  Play: function (command) { window.__played.push(command); }
};
"""


def log_in(page, abonement: str, password: str) -> None:
    """Put the abonement and password in the login form (the portal reads the fields when the
    form is sent) and send it. Set, not typed: under load, text typed into the password field
    landed in the abonement field the portal focuses, a race of the browser's input focus."""
    for selector, value in (("#login-name", abonement), ("#login-password", password)):
        page.locator(selector).evaluate("(field, value) => { field.value = value; }", value)
    page.click("#login button")


def test_a_mag_box_sees_its_channels_and_guide_and_plays_through_its_player(portal_page, world, client):
    AccountDevice.objects.create(client=world.op.client, account=world.op.account, device_uid=MAC, is_basic=True)
    page = portal_page
    page.add_init_script(FAKE_STB % MAC)
    page.goto(world.url("stalker_portal/c/"))
    names = page.locator("#channels li .name")
    names.nth(2).wait_for()
    assert names.all_inner_texts() == [c.name for c in world.op.channels]
    assert page.locator("#guide li").first.inner_text().endswith(world.programmes[3].name)
    page.locator("#channels li").nth(1).click()
    page.wait_for_function("window.__played.length === 1")
    command, url = page.evaluate("window.__played[0]").split(" ", 1)
    assert command == "ffmpeg" and url.startswith("http://fl1.test/op1ch1/index.m3u8?token=")
    assert_played_once(client, url)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function("window.__played.length === 2")
    assert page.evaluate("window.__played[1]").startswith("ffmpeg http://fl1.test/op1ch2/index.m3u8?token=")


def test_a_new_box_logs_in_and_plays_in_an_html5_video_without_a_box_player(portal_page, world, client, other_world):
    page = portal_page
    mac = "00:1A:79:AA:BB:CC"
    page.goto(world.url(f"stalker_portal/c/?mac={mac}"))
    page.locator("#login").wait_for()
    log_in(page, world.op.account.abonement, "wrong")
    page.locator("#login-error").wait_for()
    log_in(page, world.op.account.abonement, world.op.password)
    names = page.locator("#channels li .name")
    names.nth(2).wait_for()
    assert set(names.all_inner_texts()) == {c.name for c in world.op.channels}
    assert names.count() == len(world.op.channels)  # the other operator's look-alike channels are not listed
    assert AccountDevice.objects.filter(account=world.op.account, device_uid=mac).exists()
    page.locator("#channels li").first.click()
    page.wait_for_function("document.getElementById('video').getAttribute('src')")
    url = page.get_attribute("#video", "src")
    assert url.startswith("http://fl1.test/op1ch0/index.m3u8?token=")
    assert_played_once(client, url)


def test_the_portal_page_of_an_unknown_operator_is_not_found(client):
    assert client.get("/players/nosuchoperator/stalker_portal/c/").status_code == 404
