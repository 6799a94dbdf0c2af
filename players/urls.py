"""The player doors under /players/<operator's domain prefix>/ (docs/players.md)."""

from django.urls import path, re_path

from .views import playlist, portal, stalker, xtream

app_name = "players"

EXT = r"(?:\.(?P<ext>[a-z0-9]{1,5}))?"
CRED = r"(?P<username>[^/]{1,32})/(?P<password>[^/]{1,128})"

urlpatterns = [
    # the account's own playlist and guide
    re_path(r"^playlist\.(?P<ext>m3u8?)$", playlist.m3u_view, name="m3u"),
    re_path(r"^xmltv\.(?P<ext>xml|xml\.gz)$", playlist.xmltv_view, name="xmltv"),
    re_path(
        r"^play/(?P<token>[A-Za-z0-9_-]{1,64})/(?P<channel_id>\d{1,18})" + EXT + "$", playlist.play_view, name="play"
    ),
    path("playlist/", playlist.playlist_links_view, name="playlist_links"),
    # the Xtream Codes player API
    path("player_api.php", xtream.player_api_view, name="player_api"),
    path("get.php", xtream.get_view, name="xtream_get"),
    path("xmltv.php", xtream.xmltv_view, name="xtream_xmltv"),
    re_path(r"^live/" + CRED + r"/(?P<stream_id>\d{1,18})" + EXT + "$", xtream.live_view, name="xtream_live"),
    re_path(r"^movie/" + CRED + r"/(?P<stream_id>\d{1,18})" + EXT + "$", xtream.movie_view, name="xtream_movie"),
    re_path(r"^series/" + CRED + r"/(?P<stream_id>\d{1,18})" + EXT + "$", xtream.episode_view, name="xtream_series"),
    re_path(
        r"^timeshift/"
        + CRED
        + r"/(?P<duration>\d{1,5})/(?P<start>[0-9:T -]{10,19})/(?P<stream_id>\d{1,18})"
        + EXT
        + "$",
        xtream.timeshift_view,
        name="xtream_timeshift",
    ),
    # the Stalker portal (MAG boxes)
    path("stalker_portal/c/", portal.portal_view, name="stalker_front"),
    path("stalker_portal/c/index.html", portal.portal_view),
    path("stalker_portal/server/load.php", stalker.load_view, name="stalker_load"),
    path("portal.php", stalker.load_view, name="stalker_portal"),
]
