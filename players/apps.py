from django.apps import AppConfig


class PlayersConfig(AppConfig):
    """The doors of third-party players: M3U/XMLTV per account, the Xtream player API and the
    Stalker portal protocol (docs/players.md). It owns no models."""

    name = "players"
    verbose_name = "Players (M3U, XMLTV, Xtream, Stalker)"
