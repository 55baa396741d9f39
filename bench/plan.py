"""The data set's plan: one row per complaint with every choice and time its rows need.

Computed with numpy (a million rows in about a second) and sent to PostgreSQL as one
binary ``COPY`` into a temporary table; the SQL steps of bench/dataset.py build every
table from it. Doing this arithmetic in SQL took 75 s for a million rows.

Times are seconds since the epoch (UTC) here and ``timestamptz`` there; each step of a
complaint's handling is an offset from its receipt, scaled down when its last step
would lie in the future. Every step has a time whether or not the complaint got there;
the SQL steps use those its state reached. An id of 0 is "none" (NULL in the view).
"""

import datetime as dt
import struct
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

STATES = (
    "new", "assigned", "in_progress", "waiting_customer", "waiting_department",
    "resolved", "closed", "reopened", "cancelled",
)  # fmt: skip
PRIORITIES = ("urgent", "general", "non_urgent")
EMOTIONS = ("calm", "upset", "angry", "threatening")
# Complaints arrive by centre-local hour of day (a call centre's day: quiet nights,
# a morning peak, an evening one).
HOURLY_WEIGHTS = (
    1.0, 0.5, 0.3, 0.3, 0.3, 0.5, 1.0, 2.0, 4.0, 6.0, 6.5, 6.0,
    5.0, 5.5, 6.0, 5.5, 5.0, 4.5, 4.5, 5.0, 5.0, 4.0, 3.0, 2.0,
)  # fmt: skip
REPEAT_WINDOW_SECONDS = 30 * 86400  # settings.COMPLAINT_REPEAT_WINDOW_DAYS' default
DAY = 86400.0
HOUR = 3600.0

# name, PostgreSQL type: the plan table's columns in COPY order.
COLUMNS = (
    ("id", "bigint"), ("recv", "timestamptz"), ("is_new", "boolean"),
    ("customer_id", "bigint"), ("team_id", "bigint"), ("agent_id", "bigint"),
    ("creator_id", "bigint"), ("supervisor_id", "bigint"), ("cat", "integer"),
    ("category_id", "bigint"), ("chan", "integer"), ("emo", "integer"), ("prio", "integer"),
    ("policy_id", "bigint"), ("state_code", "integer"), ("has_wo", "boolean"),
    ("has_pause", "boolean"), ("cancelled_new", "boolean"), ("response_met", "boolean"),
    ("resp_s", "double precision"), ("resol_s", "double precision"),
    ("r_misc", "double precision"), ("r_sub", "double precision"),
    ("r_confirm", "double precision"), ("r_emo", "double precision"),
    ("department_id", "bigint"), ("department_user_id", "bigint"),
    ("assigned_at", "timestamptz"), ("started_at", "timestamptz"),
    ("responded_at", "timestamptz"), ("dispatched_at", "timestamptz"),
    ("answered_at", "timestamptz"), ("paused_at", "timestamptz"),
    ("resumed_at", "timestamptz"), ("pause_seconds", "double precision"),
    ("resolved_at", "timestamptz"), ("confirmed_at", "timestamptz"),
    ("reopened_at", "timestamptz"), ("repeat_of_id", "bigint"), ("duplicate_of_id", "bigint"),
)  # fmt: skip
_WIRE = {
    "bigint": ">i8",
    "integer": ">i4",
    "boolean": "?",
    "double precision": ">f8",
    "timestamptz": ">i8",
}
_POSTGRES_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC).timestamp()
_NO_ID = 0  # an id column's "none": NULL in the view
_CHUNK = 8192  # rows assembled at a time (≈ 3.5 MB)


@dataclass(frozen=True)
class Shape:
    """What the plan is drawn from: scale, people and policy ids, category and channel mix."""

    complaints: int
    customers: int
    recent_pool: int
    teams: list[int]
    agents: list[list[int]]
    supervisors: list[int]
    ivr: int
    crm: int
    category_ids: list[int]
    category_shares: list[float]
    category_wo_shares: list[float]
    category_departments: list[int]
    department_users: list[list[int]]
    inquiry_category: int  # index into the categories
    channel_codes: list[str]
    channel_shares: list[float]
    policy_ids: list[int]  # by priority: urgent, general, non-urgent
    response_minutes: list[int]
    resolution_minutes: list[int]


def copy_payload(shape: Shape, *, now: dt.datetime, zone: str, days: int, seed: int) -> bytes:
    """The plan as a PostgreSQL binary COPY stream (header, tuples, trailer)."""
    columns = compute(shape, now=now, zone=zone, days=days, seed=seed)
    count = len(columns["id"])
    fields = [("count", ">i2")]
    for name, kind in COLUMNS:
        fields += [(f"{name}_size", ">i4"), (name, _WIRE[kind])]
    rows = np.empty(count, dtype=np.dtype(fields))
    # Filled a slice at a time, so that the slice stays in the CPU's cache while each
    # of its 83 fields is written (column by column over all rows took 7 s a million).
    for start in range(0, count, _CHUNK):
        chunk = rows[start : start + _CHUNK]
        chunk["count"] = len(COLUMNS)
        for name, kind in COLUMNS:
            chunk[f"{name}_size"] = np.dtype(_WIRE[kind]).itemsize
            chunk[name] = columns[name][start : start + _CHUNK]
    header = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
    return header + rows.tobytes() + struct.pack(">h", -1)


def compute(shape: Shape, *, now: dt.datetime, zone: str, days: int, seed: int) -> dict:
    """Every plan column as a numpy array (times as wire timestamps)."""
    rng = np.random.default_rng(seed)
    n = shape.complaints
    ids = np.arange(1, n + 1, dtype=np.int64)
    draws = {name: rng.random(n) for name in _DRAWS}
    recv = _received(ids, n, now=now, zone=zone, days=days)
    now_s = now.timestamp()
    age = now_s - recv

    known = (ids * shape.customers + n - 1) // n  # customers on file by complaint i
    is_new = known > np.concatenate(([0], known[:-1]))
    recent = np.maximum(1, known - np.floor(draws["cust"] * np.minimum(known, shape.recent_pool)))
    customer = np.where(
        is_new,
        known,
        np.where(draws["recent"] < 0.25, recent, 1 + np.floor(draws["cust"] * known)),
    ).astype(np.int64)

    team = np.floor(draws["team"] * len(shape.teams)).astype(np.int64)
    per_team = len(shape.agents[0])
    agents = np.asarray(shape.agents, dtype=np.int64)
    agent = agents[team, np.floor(draws["agent"] * per_team).astype(np.int64)]
    cat = _pick(draws["cat"], shape.category_shares)
    chan = _pick(draws["chan"], shape.channel_shares)
    channel = np.asarray(shape.channel_codes)[chan]
    emo = _pick(draws["emo"], [0.45, 0.35, 0.17, 0.03])
    creator_agent = agents[team, np.floor(draws["creator"] * per_team).astype(np.int64)]
    by_agent = np.isin(channel, ["phone", "walk_in"]) | (draws["creator"] < 0.6)
    creator = np.where(by_agent, creator_agent, np.where(team == 0, shape.ivr, shape.crm))

    # Priority as the default rules give it: referrals and threats are urgent, inquiries
    # mostly non-urgent, the rest mostly general.
    prio = np.select(
        [
            (channel == "referral") | (emo == 3),
            cat == shape.inquiry_category,
            draws["prio"] < 0.05,
            draws["prio"] < 0.80,
        ],
        [0, np.where(draws["prio"] < 0.85, 2, 1), 0, 1],
        default=2,
    )
    state = _states(age, draws)
    code = {name: index for index, name in enumerate(STATES)}

    def is_(*names: str) -> np.ndarray:
        return np.isin(state, [code[name] for name in names])

    resp_s = np.asarray(shape.response_minutes, dtype=float)[prio] * 60
    resol_s = np.asarray(shape.resolution_minutes, dtype=float)[prio] * 60
    # ~9 % miss the first-response target and ~15 % the resolution target.
    resp_off = resp_s * (0.1 + 1.05 * draws["resp"] ** 1.6)
    work_s = resol_s * (0.2 + draws["res"] ** 1.4)
    wo_share = np.asarray(shape.category_wo_shares)[cat]
    has_wo = is_("in_progress", "resolved", "closed", "reopened") & (draws["wo"] < wo_share) | is_(
        "waiting_department"
    )
    has_pause = is_("resolved", "closed", "reopened") & (draws["pause"] < 0.12) | is_(
        "waiting_customer"
    )
    cancelled_new = is_("cancelled") & (draws["sub"] < 0.4)

    assign_off = resp_off * (0.1 + 0.3 * draws["misc"])
    start_off = resp_off * 0.9
    busy = np.maximum(work_s, resp_off * 1.5)
    dispatch_off = start_off + (busy - start_off) * 0.15
    answer_off = dispatch_off + 48 * HOUR * (0.05 + 0.9 * draws["wo_time"] ** 1.5)
    pause_off = start_off + (busy - start_off) * 0.35
    pause_len = busy * 0.25
    resolved_off = np.maximum(
        busy + np.where(has_pause, pause_len, 0), np.where(has_wo, answer_off + 600, 0)
    )
    confirm_off = resolved_off + HOUR * (1 + 70 * draws["confirm"] ** 2)
    reopen_off = confirm_off + HOUR * (2 + 100 * draws["reopen"])
    final_off = np.select(
        [
            is_("assigned", "cancelled"),
            is_("in_progress"),
            is_("waiting_customer"),
            is_("waiting_department"),
            is_("resolved"),
            is_("closed"),
            is_("reopened"),
        ],
        [
            assign_off,
            np.where(has_wo, answer_off, start_off),
            pause_off,
            dispatch_off,
            resolved_off,
            confirm_off,
            reopen_off,
        ],
        default=0,  # new
    )
    # Scale a complaint's steps into the past when its last one would be in the future.
    late = (final_off > 0) & (final_off > age - 60)
    k = np.where(late, np.maximum(age - 60, 0) / np.where(final_off > 0, final_off, 1), 1.0)

    department = np.asarray(shape.category_departments, dtype=np.int64)[cat]
    department_users = np.asarray(shape.department_users, dtype=np.int64)
    users_per_department = department_users.shape[1]
    department_user = department_users[
        cat, np.floor(draws["wo_time"] * users_per_department).astype(np.int64)
    ]
    repeat_of, previous = _repeats(ids, customer, cat, state, recv, code["cancelled"])
    duplicate_of = np.where(is_("cancelled") & (draws["sub"] < 0.6), previous, _NO_ID)

    def at(offset: np.ndarray) -> np.ndarray:
        return _wire_time(recv + offset * k)

    return {
        "id": ids,
        "recv": _wire_time(recv),
        "is_new": is_new,
        "customer_id": customer,
        "team_id": np.asarray(shape.teams, dtype=np.int64)[team],
        "agent_id": agent,
        "creator_id": creator,
        "supervisor_id": np.asarray(shape.supervisors, dtype=np.int64)[team],
        "cat": cat + 1,  # SQL arrays count from 1
        "category_id": np.asarray(shape.category_ids, dtype=np.int64)[cat],
        "chan": chan + 1,
        "emo": emo + 1,
        "prio": prio + 1,
        "policy_id": np.asarray(shape.policy_ids, dtype=np.int64)[prio],
        "state_code": state + 1,
        "has_wo": has_wo,
        "has_pause": has_pause,
        "cancelled_new": cancelled_new,
        "response_met": (draws["met"] < 0.5) | ~is_("assigned"),
        "resp_s": resp_s,
        "resol_s": resol_s,
        "r_misc": draws["misc"],
        "r_sub": draws["sub"],
        "r_confirm": draws["confirm"],
        "r_emo": draws["emo"],
        "department_id": department,
        "department_user_id": department_user,
        "assigned_at": at(assign_off),
        "started_at": at(start_off),
        "responded_at": at(resp_off),
        "dispatched_at": at(dispatch_off),
        "answered_at": at(answer_off),
        "paused_at": at(pause_off),
        "resumed_at": at(pause_off + pause_len),
        "pause_seconds": pause_len * k,
        "resolved_at": at(resolved_off),
        "confirmed_at": at(confirm_off),
        "reopened_at": at(reopen_off),
        "repeat_of_id": repeat_of,
        "duplicate_of_id": duplicate_of,
    }


_DRAWS = (
    "cust", "recent", "team", "agent", "cat", "chan", "prio", "emo", "state", "sub", "resp",
    "res", "pause", "wo", "wo_time", "confirm", "reopen", "misc", "creator", "met",
)  # fmt: skip


def _received(ids: np.ndarray, n: int, *, now: dt.datetime, zone: str, days: int) -> np.ndarray:
    """Receipt times: ids in time order, 50 % more a day at the end than at the start,
    the centre's hours of the day, today's complaints only in today's elapsed hours."""
    tz = ZoneInfo(zone)
    local_now = now.astimezone(tz)
    start = (local_now - dt.timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = (local_now - start).total_seconds() / DAY
    last_day = int(elapsed)
    weights = np.asarray(HOURLY_WEIGHTS) / sum(HOURLY_WEIGHTS)
    thresholds = np.concatenate(([0.0], np.cumsum(weights)[:-1]))
    hour = local_now.hour + local_now.minute / 60 + local_now.second / 3600
    share = thresholds[int(hour)] + weights[int(hour)] * (hour - int(hour))
    fraction_of_today = elapsed - last_day
    # Density 1 + x/2 over the span: day = F⁻¹(u) with F(x) = (x + x²/4) / 1.25.
    dayf = 2 * (np.sqrt(1 + 1.25 * ((ids - 0.5) / n)) - 1) * elapsed
    day = np.floor(dayf).astype(np.int64)
    within = dayf - day
    within = np.where(day >= last_day, within * share / fraction_of_today, within)
    bucket = np.clip(np.searchsorted(thresholds, within, side="right") - 1, 0, 23)
    seconds = HOUR * (bucket + (within - thresholds[bucket]) / weights[bucket])
    midnights = np.asarray(
        [(start + dt.timedelta(days=offset)).timestamp() for offset in range(last_day + 1)]
    )
    return np.minimum(midnights[day] + seconds, now.timestamp() - 1)


def _pick(draw: np.ndarray, shares: list[float]) -> np.ndarray:
    """Index of the share each draw falls into."""
    bounds = np.cumsum(shares) / sum(shares)
    return np.minimum(np.searchsorted(bounds, draw, side="right"), len(shares) - 1)


def _states(age: np.ndarray, draws: dict[str, np.ndarray]) -> np.ndarray:
    """Most complaints closed; an open backlog of recent ones (2-3 %), a long stale tail."""
    code = {name: index for index, name in enumerate(STATES)}
    open_share = np.select(
        [age < DAY, age < 7 * DAY, age < 30 * DAY, age < 180 * DAY], [0.90, 0.55, 0.30, 0.02], 0.003
    )
    resolved_share = np.select([age < DAY, age < 7 * DAY, age < 30 * DAY], [0.05, 0.15, 0.08], 0.0)
    sub = draws["sub"]
    fresh = np.select([sub < 0.5, sub < 0.8], [code["new"], code["assigned"]], code["in_progress"])
    settled = np.select(
        [
            (sub < 0.05) & (age < 7 * DAY),
            sub < 0.17,
            sub < 0.67,
            sub < 0.82,
            sub < 0.97,
        ],
        [
            code["new"],
            code["assigned"],
            code["in_progress"],
            code["waiting_customer"],
            code["waiting_department"],
        ],
        code["reopened"],
    )
    draw = draws["state"]
    return np.select(
        [
            draw < 0.02,
            draw < 0.02 + open_share,
            draw < 0.02 + open_share + resolved_share,
        ],
        [code["cancelled"], np.where(age < HOUR, fresh, settled), code["resolved"]],
        code["closed"],
    )


def _repeats(ids, customer, cat, state, recv, cancelled: int) -> tuple[np.ndarray, np.ndarray]:
    """(repeat_of, previous): each complaint's customer's latest earlier complaint in the same
    category that was not cancelled, and it again when it lies within the repeat window."""
    order = np.lexsort((ids, cat, customer))
    same_group = np.concatenate(
        (
            [False],
            (customer[order][1:] == customer[order][:-1]) & (cat[order][1:] == cat[order][:-1]),
        )
    )
    positions = np.arange(len(order))
    group_start = np.maximum.accumulate(np.where(~same_group, positions, 0))
    eligible = np.where(state[order] != cancelled, positions, -1)
    latest = np.maximum.accumulate(eligible)
    earlier = np.concatenate(([-1], latest[:-1]))
    found = earlier >= group_start
    previous_sorted = np.where(found, ids[order][np.maximum(earlier, 0)], _NO_ID)
    gap = recv[order] - recv[order][np.maximum(earlier, 0)]
    repeat_sorted = np.where(found & (gap <= REPEAT_WINDOW_SECONDS), previous_sorted, _NO_ID)
    previous = np.empty_like(previous_sorted)
    repeat = np.empty_like(repeat_sorted)
    previous[order] = previous_sorted
    repeat[order] = repeat_sorted
    return repeat, previous


def _wire_time(seconds: np.ndarray) -> np.ndarray:
    return np.round((seconds - _POSTGRES_EPOCH) * 1_000_000).astype(np.int64)


def view_sql(*, channels: list[str], categories: list[str]) -> str:
    """The plan as the SQL steps read it: text for the codes, NULL for the missing ids."""
    select = [
        f"NULLIF({name}, {_NO_ID}) AS {name}"
        if name in ("repeat_of_id", "duplicate_of_id")
        else name
        for name, _kind in COLUMNS
    ]
    select += [
        f"({_array(STATES)})[state_code] AS state",
        f"({_array(PRIORITIES)})[prio] AS priority",
        f"({_array(EMOTIONS)})[emo] AS emotion",
        f"({_array(channels)})[chan] AS channel",
        f"({_array(categories)})[cat] AS category_code",
    ]
    return f"CREATE TEMP VIEW plan AS SELECT {', '.join(select)} FROM plan_rows"  # noqa: S608


def table_sql() -> str:
    columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
    return f"CREATE TEMP TABLE plan_rows ({columns}, PRIMARY KEY (id)) ON COMMIT DROP"


def _array(values) -> str:
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"ARRAY[{quoted}]"


def shape_of(scale: Any, people: dict[str, Any], *, categories, channels) -> Shape:
    """The plan's inputs from the data set's scale and the generated people."""
    codes = [code for code, *_rest in categories]
    return Shape(
        complaints=scale.complaints,
        customers=scale.customers,
        recent_pool=scale.recent_pool,
        teams=people["team_ids"],
        agents=people["agent_ids"],
        supervisors=people["supervisor_ids"],
        ivr=people["ivr"],
        crm=people["crm"],
        category_ids=people["category_ids"],
        category_shares=[share for _code, share, *_rest in categories],
        category_wo_shares=[wo for _code, _share, wo, _dept in categories],
        category_departments=people["category_departments"],
        department_users=people["department_users"],
        inquiry_category=codes.index("inquiry"),
        channel_codes=[code for code, _share in channels],
        channel_shares=[share for _code, share in channels],
        policy_ids=people["policy_ids"],
        response_minutes=people["response_minutes"],
        resolution_minutes=people["resolution_minutes"],
    )
