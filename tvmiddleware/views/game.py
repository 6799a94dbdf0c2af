"""Game (reference tvmw/Game.md): the games of the portal, the account's scores and each
game's scoreboard."""

from __future__ import annotations

from portal import selectors as portal
from portal.services import game_score_save
from smarty.api import ApiError, Call, Number, String, wire_number

from ..api import tvmw
from .live_common import COMMON_PARAMS
from .portaldashboard import device_id

SCORE_LIST_NONE = 2
SCORE_SAVE_NO_GAME = 1
SCORE_SAVE_NO_SCORE = 2
SCORE_SAVE_UNKNOWN_GAME = 3
SCORE_SAVE_FAILED = 4
SCOREBOARD_NO_GAME = 1
SCOREBOARD_UNKNOWN_GAME = 2
SCOREBOARD_SIZE = 10
SCORE_LIST_SIZE = 100


def _date(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


@tvmw.method("/game/list/", "GameList", params=COMMON_PARAMS, auth=["session"])
def game_list(call: Call) -> dict:
    games = portal.game_list(client_id=call.client.pk, device_id=device_id(call))
    last = portal.game_last_scores(client_id=call.client.pk, account_id=call.account.pk, game_ids=[g.pk for g in games])
    out = []
    for game in games:
        score = last.get(game.pk)
        out.append(
            {
                "name": game.name,
                "system_name": game.system_name,
                "last_record_date": _date(score.created_at) if score is not None else "",
                "last_record_score": score.score if score is not None else 0,
                "account": wire_number(call.account.abonement),
            }
        )
    return {"error_message": "", "games": out}


@tvmw.method(
    "/game/score/save/",
    "GameScoreSave",
    params=[*COMMON_PARAMS, String("game", max_length=64), Number("score", lo=-(2**62), hi=2**62)],
    auth=["session"],
    param_error_code=SCORE_SAVE_NO_SCORE,
)
def game_score_save_view(call: Call) -> dict:
    name = (call.params["game"] or "").strip()
    if not name:
        raise ApiError(SCORE_SAVE_NO_GAME, "Invalid parameters: game: required", {"game": "required"})
    if call.params["score"] is None:
        raise ApiError(SCORE_SAVE_NO_SCORE, "Invalid parameters: score: required", {"score": "required"})
    game = portal.game_get(client_id=call.client.pk, system_name=name)
    if game is None:
        raise ApiError(SCORE_SAVE_UNKNOWN_GAME, "Game not found", {"game": "not found"})
    game_score_save(account=call.account, game=game, score=call.params["score"])
    return {"error_message": ""}


@tvmw.method(
    "/game/score/list/", "GameScoreList", params=[*COMMON_PARAMS, String("game", max_length=64)], auth=["session"]
)
def game_score_list(call: Call) -> dict:
    values = portal.game_scores(
        client_id=call.client.pk,
        account_id=call.account.pk,
        system_name=(call.params["game"] or "").strip() or None,
        limit=SCORE_LIST_SIZE,
    )
    if not values:
        raise ApiError(SCORE_LIST_NONE, "No game results")
    return {"error_message": "", "score": [{"score": v} for v in values]}


@tvmw.method(
    "/game/scoreboard/list/",
    "GameScoreboardList",
    params=[*COMMON_PARAMS, String("game", max_length=64), Number("score", lo=-(2**62), hi=2**62)],
    auth=["session"],
    param_error_code=SCOREBOARD_NO_GAME,
)
def game_scoreboard_list(call: Call) -> dict:
    name = (call.params["game"] or "").strip()
    if not name:
        raise ApiError(SCOREBOARD_NO_GAME, "Invalid parameters: game: required", {"game": "required"})
    game = portal.game_get(client_id=call.client.pk, system_name=name)
    if game is None:
        raise ApiError(SCOREBOARD_UNKNOWN_GAME, "Game not found", {"game": "not found"})
    board = portal.game_scoreboard(game=game, limit=SCOREBOARD_SIZE)
    own = portal.game_best(game=game, account_id=call.account.pk)
    # `score` given: the rank that score would have (a game just finished, not saved yet).
    candidates = [v for v in (own, call.params["score"]) if v is not None]
    best = max(candidates) if candidates else None
    return {
        "error_message": "",
        "score": [{"account": r["account__abonement"], "date": _date(r["last"]), "score": r["best"]} for r in board],
        "self-score": own if own is not None else 0,
        "rank": portal.game_rank(game=game, best=best) if best is not None else 0,
    }
