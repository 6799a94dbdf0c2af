"""/channel/url/ feeds /channel/list/last/, and zapping does not flag a channel list change."""


def test_watching_a_channel_lists_it_last_without_changing_the_channel_list(tvmw_login, tvmw_call, operator):
    from streaming.demo import load as streaming_demo

    streaming_demo(operator.client, operator.channels)
    authkey = tvmw_login()["authkey"]
    first = tvmw_call("/account/status/", authkey=authkey)
    assert first["error"] == 0
    for channel in (operator.channels[0], operator.channels[2]):
        body = tvmw_call("/channel/url/", authkey=authkey, cid=channel.id, redirect=0)
        assert body["error"] == 0, body
    last = tvmw_call("/channel/list/last/", authkey=authkey)
    assert [c["id"] for c in last["channels"]] == [operator.channels[2].id, operator.channels[0].id]
    status = tvmw_call("/account/status/", authkey=authkey)
    assert status["channel_list_changed"] == 0
