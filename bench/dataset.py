"""The shared benchmark data set: a centre's two-year history, generated set-based in SQL.

``ensure(scale)`` fills the current database with 1,000,000 complaints over two years
(``small``: 20,000), 300,000 customers (6,000), their timelines, work orders, callbacks
with attempts, survey invitations, responses and answers, and repair cases, all valid for
the product's own code: foreign keys, unique and check constraints hold, states follow
the transition table, SLA clocks follow the seeded policies (a clock that ran out before
generation is marked warned/breached a few seconds after its time, as the minute's
deadline check would have), reference counters stand past the generated references.

Rows are produced by ``INSERT … SELECT`` from ``generate_series`` inside PostgreSQL (no
row crosses the wire), with the loaded tables' foreign keys, unique constraints and
secondary indexes dropped first and rebuilt after, all in one transaction: a failure
leaves the database as it was. ``VACUUM ANALYZE`` follows (autovacuum is off here).

A marker table (``bench_dataset``) records the scale, the generator's version, the applied
migrations, when it was made and the highest id of every table. ``ensure`` reuses a data
set whose marker matches and that was generated on the same centre-local day (its open
backlog and "today" are then still true), else generates again. ``restore`` deletes every
row above the recorded ids, so benchmarks that write (intake, surveys, key events) leave
the set as they found it.

``history=False`` generates the same centre without its history: the same people and
customers, and only the complaints still open (or awaiting confirmation) with their own
rows. The queue and list benchmark compares against it, so that both databases render
the same first page and the ratio shows what history alone costs.
"""

import datetime as dt
import hashlib
import io
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import plan
from bench.setup import raw_connection

logger = logging.getLogger(__name__)

# Bump when the generated rows change shape: a stored set of another version is rebuilt.
GENERATOR_VERSION = 1
MARKER_TABLE = "bench_dataset"
PENDING_TABLE = "bench_dataset_rebuild"
# Connections rebuilding constraints and indexes at once (the machine's two cores).
REBUILD_CONNECTIONS = 2
SQL = Path(__file__).resolve().parent / "sql"


@dataclass(frozen=True)
class Scale:
    complaints: int
    customers: int
    callbacks: int
    # Customers drawn from the newest few when a complaint comes from a known customer
    # who complained recently (what makes repeat complaints within the 30-day window).
    recent_pool: int


SCALES = {
    "full": Scale(complaints=1_000_000, customers=300_000, callbacks=300_000, recent_pool=3_000),
    "small": Scale(complaints=20_000, customers=6_000, callbacks=6_000, recent_pool=100),
}
HISTORY_DAYS = 730
TEAMS = 8
AGENTS_PER_TEAM = 20
OUTSOURCED_SHARE = 0.15
QUALITY_TEAM = "Quality repair"  # settings.REPAIR_QUALITY_TEAM's default
DEPARTMENTS = (
    ("billing", "Billing 计费部"),
    ("network", "Network operations 网络维护部"),
    ("logistics", "Logistics 物流部"),
    ("technical", "Technical support 技术支持部"),
)
DEPARTMENT_USERS = 2
# (code, share of complaints, share of them with a work order, department answering it)
CATEGORIES = (
    ("network_signal", 0.22, 0.25, "network"),
    ("billing_dispute", 0.20, 0.20, "billing"),
    ("product_defect", 0.15, 0.15, "technical"),
    ("logistics_delay", 0.12, 0.20, "logistics"),
    ("opaque_process", 0.10, 0.05, "billing"),
    ("staff_attitude", 0.08, 0.02, "technical"),
    ("inquiry", 0.10, 0.01, "technical"),
    ("other", 0.03, 0.03, "technical"),
)
CHANNELS = (
    ("phone", 0.55), ("app", 0.12), ("web", 0.10), ("sms", 0.08), ("email", 0.06),
    ("walk_in", 0.05), ("social_media", 0.03), ("referral", 0.01),
)  # fmt: skip
DESCRIPTIONS = {
    "network_signal": (
        "家里宽带频繁掉线，晚上几乎无法上网，已经持续一周了。",
        "小区手机信号很差，室内经常无服务，打电话总是断。",
        "4G 网络速度很慢，视频会议一直卡顿。",
        "The fibre line drops every evening and the router shows no signal.",
    ),
    "billing_dispute": (
        "本月话费多扣了三十元，没有订购任何增值业务，要求退款。",
        "套餐已经降档，但账单仍按原套餐收费。",
        "I was charged twice for the same month and want the second charge refunded.",
    ),
    "product_defect": (
        "新换的光猫用了三天就无法开机，要求更换。",
        "机顶盒经常死机，需要重启才能看电视。",
        "The new router overheats and restarts itself several times a day.",
    ),
    "logistics_delay": (
        "网上订购的路由器承诺三天送达，已经一周还没有收到。",
        "快递显示已签收，但我没有收到手机。",
        "My replacement handset was promised for Monday and has still not arrived.",
    ),
    "opaque_process": (
        "申请退款已经半个月，没有任何人告诉我进度。",
        "售后流程说不清楚，每次打电话得到的答复都不一样。",
        "Nobody can tell me how the refund for my cancelled contract works.",
    ),
    "staff_attitude": (
        "营业厅工作人员态度恶劣，办理业务时不耐烦，要求道歉。",
        "客服挂断了我的电话，没有解决问题。",
        "The engineer who visited was rude and left without fixing anything.",
    ),
    "inquiry": (
        "想咨询一下套餐变更后，原来的流量包是否还能继续使用。",
        "请问国际漫游怎么开通，费用是多少？",
        "How do I move my broadband contract to my new address?",
    ),
    "other": ("其他问题，请尽快联系我。", "Please call me back about my account."),
}
SUMMARIES = (
    "已为客户退还多收费用并致歉。",
    "已安排工程师上门更换设备，客户确认恢复正常。",
    "已核实网络故障并修复，客户确认信号恢复。",
    "Refunded the overcharge and apologised; the customer accepted.",
    "Replaced the faulty device; the customer confirmed it works.",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红玉梅海燕波鹏辉宇浩婷晨欣怡子轩"
FIRST_NAMES = ("James", "Mary", "John", "Linda", "David", "Susan", "Peter", "Emma", "Wei", "Amy")
LAST_NAMES = ("Smith", "Brown", "Wilson", "Taylor", "Chen", "Wang", "Li", "Lee", "Wong", "Ng")
# Tables the generator fills (children after parents): their constraints and secondary
# indexes are dropped for the load and rebuilt after it.
LOADED_TABLES = (
    "complaints_customer",
    "complaints_complaint",
    "complaints_workorder",
    "complaints_complaintevent",
    "repair_callbackrequest",
    "repair_callbackattempt",
    "surveys_surveyinvitation",
    "surveys_surveyresponse",
    "surveys_surveyanswer",
    "repair_repaircase",
)
# Emptied before generating: everything a centre's activity writes.
ACTIVITY_TABLES = (
    *LOADED_TABLES,
    "complaints_team",
    "complaints_department",
    "complaints_user",
    "complaints_user_groups",
    "complaints_apitoken",
    "complaints_attachment",
    "complaints_notification",
    "complaints_outboundmessage",
    "complaints_referencecounter",
    "django_session",
    "django_admin_log",
    "repair_callbackagent",
    "repair_keyevent",
    "repair_keyeventcustomer",
    "repair_repaircontact",
    "surveys_smsreply",
)


@dataclass
class Dataset:
    """What ``ensure`` made or found: its scale, figures, and the people benchmarks act as."""

    scale: str
    history: bool
    database: str
    generated_at: dt.datetime
    seconds: float
    reused: bool
    counts: dict[str, int]
    max_ids: dict[str, int]
    step_seconds: dict[str, float] = field(default_factory=dict)
    people: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "history": self.history,
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "generation_seconds": round(self.seconds, 1),
            "step_seconds": self.step_seconds,
            "reused": self.reused,
            "counts": self.counts,
        }


def ensure(scale: str, *, history: bool = True, regenerate: bool = False) -> Dataset:
    """The data set in Django's default database: reused when it matches, else generated."""
    from django.db import connection

    _create_marker_table()
    _finish_rebuild()  # a generation that died while rebuilding: put the schema back first
    found = None if regenerate else _matching_marker(scale, history=history)
    if found is not None:
        dataset = found
        restore(dataset)
        logger.info("Reusing the %s data set in %s", scale, dataset.database)
    else:
        started = time.perf_counter()
        generated_at, counts, timings = _generate(SCALES[scale], history=history)
        step = time.perf_counter()
        _finish_rebuild()
        timings["constraints and indexes"] = round(time.perf_counter() - step, 1)
        step = time.perf_counter()
        _vacuum()
        timings["vacuum analyze"] = round(time.perf_counter() - step, 1)
        logger.info("Generated %s; seconds per step: %s", counts, timings)
        dataset = Dataset(
            scale=scale,
            history=history,
            database=connection.settings_dict["NAME"],
            generated_at=generated_at,
            seconds=time.perf_counter() - started,
            reused=False,
            counts=counts,
            max_ids=_current_max_ids(),
            step_seconds=timings,
        )
        _write_marker(dataset)
    dataset.people = _people()
    return dataset


def restore(dataset: Dataset) -> None:
    """Delete every row added since the data set was made (benchmarks' own writes).

    Rows are deleted in one transaction with row triggers off (``session_replication_role
    = replica``, in the benchmarks' own database): an append-only table may refuse DELETE
    by trigger, and whole newer rows need no foreign-key check, in any order. The tables
    are then vacuumed, indexes included (PostgreSQL skips them when under 2 % of the pages
    hold dead rows): autovacuum is off here, and an index still pointing at thousands of
    dead rows makes the next benchmark read them all again.
    """
    from django.db import connection, transaction

    touched = [
        table
        for table, highest in _current_max_ids().items()
        if highest > dataset.max_ids.get(table, 0)
    ]
    if not touched:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table in touched:
            cursor.execute(
                f'DELETE FROM "{table}" WHERE id > %s',  # noqa: S608 - names from the catalogue
                [dataset.max_ids.get(table, 0)],
            )
    quoted = ", ".join(connection.ops.quote_name(table) for table in touched)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE, INDEX_CLEANUP ON) {quoted}")


# --- The marker ---------------------------------------------------------------------------


def _create_marker_table() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} ("
            "scale text NOT NULL, history boolean NOT NULL, version integer NOT NULL, "
            "migrations text NOT NULL, generated_at timestamptz NOT NULL, "
            "seconds double precision NOT NULL, step_seconds jsonb NOT NULL, "
            "counts jsonb NOT NULL, max_ids jsonb NOT NULL)"
        )


def _migrations_fingerprint() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        applied = ";".join(f"{app}.{name}" for app, name in cursor.fetchall())
    return hashlib.sha256(applied.encode()).hexdigest()


def _matching_marker(scale: str, *, history: bool) -> Dataset | None:
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT generated_at, seconds, step_seconds, counts, max_ids FROM {MARKER_TABLE} "  # noqa: S608
            "WHERE scale = %s AND history = %s AND version = %s AND migrations = %s",
            [scale, history, GENERATOR_VERSION, _migrations_fingerprint()],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    generated_at, seconds, step_seconds, counts, max_ids = row
    zone = ZoneInfo(settings.TIME_ZONE)
    if generated_at.astimezone(zone).date() != dt.datetime.now(zone).date():
        return None  # its "today" and its open backlog have aged: make a fresh one
    return Dataset(
        scale=scale,
        history=history,
        database=connection.settings_dict["NAME"],
        generated_at=generated_at,
        seconds=seconds,
        reused=True,
        # Django's connection hands jsonb back as text.
        counts=_json(counts),
        max_ids=_json(max_ids),
        step_seconds=_json(step_seconds),
    )


def _json(value: Any) -> Any:
    import json

    return json.loads(value) if isinstance(value, str) else value


def _write_marker(dataset: Dataset) -> None:
    import json

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
            [
                dataset.scale,
                dataset.history,
                GENERATOR_VERSION,
                _migrations_fingerprint(),
                dataset.generated_at,
                dataset.seconds,
                json.dumps(dataset.step_seconds),
                json.dumps(dataset.counts),
                json.dumps(dataset.max_ids),
            ],
        )


def _id_tables() -> list[str]:
    """Every table of the schema with an ``id`` column (all Django models here)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'id' ORDER BY table_name"
        )
        return [name for (name,) in cursor.fetchall()]


def _current_max_ids() -> dict[str, int]:
    from django.db import connection

    tables = _id_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT '{table}', COALESCE(MAX(id), 0) FROM \"{table}\""  # noqa: S608
                for table in tables
            )
        )
        return dict(cursor.fetchall())


def _vacuum() -> None:
    """Set hint bits and the visibility map, and count the rows (autovacuum is off here)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _people() -> dict[str, Any]:
    """Ids of the people benchmarks act as (found by their generated usernames)."""
    from complaints.models import User

    users = dict(User.objects.filter(username__startswith="bench-").values_list("username", "id"))
    return {
        "agent": User.objects.get(pk=users["bench-agent-1-01"]),
        "ivr": User.objects.get(pk=users["bench-ivr"]),
        "crm": User.objects.get(pk=users["bench-crm"]),
        "supervisor": User.objects.get(pk=users["bench-supervisor-1"]),
    }


def _raw_connection():
    """A connection of its own, so that session settings never leak into Django's."""
    raw = raw_connection()
    with raw.cursor() as cursor:
        # Big sorts and index builds in memory; the machine has the RAM and the load
        # is one transaction that either commits whole or leaves nothing.
        cursor.execute(
            "SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'; "
            "SET temp_buffers = '1GB'; SET synchronous_commit = off; SET TIME ZONE 'UTC'; "
            "SET max_parallel_maintenance_workers = 2"
        )
    raw.commit()
    return raw


# --- Generation ---------------------------------------------------------------------------


def _generate(scale: Scale, *, history: bool) -> tuple[dt.datetime, dict[str, int], dict]:
    """Load every row in one transaction; the dropped constraints and indexes are queued.

    Returns the anchor time, the row counts and the seconds per step. The statements
    that put the constraints and indexes back are committed with the rows, in
    ``PENDING_TABLE``: ``_finish_rebuild`` runs them, and runs what is left of them
    after a crash.
    """
    from django.conf import settings

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    params: dict[str, Any] = {"now": now, "tz": settings.TIME_ZONE}
    timings: dict[str, float] = {}
    raw = _raw_connection()
    try:
        with raw.cursor() as cursor:

            def step(name: str, sql: str | None, values: dict | None = None, run=None) -> None:
                started = time.perf_counter()
                if run is None:
                    cursor.execute(sql, {**params, **(values or {})})
                else:
                    run()
                timings[name] = round(time.perf_counter() - started, 1)
                logger.info("%s: %.1f s", name, timings[name])

            cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608 - our constant
            step("truncate", f"TRUNCATE {', '.join(ACTIVITY_TABLES)} RESTART IDENTITY CASCADE")
            _drop_constraints(cursor, LOADED_TABLES)
            _lend_defaults(cursor, LOADED_TABLES)
            people = _people_rows(cursor)
            params.update(people, **_scale_params(scale), history=history)
            step("plan", None, run=lambda: _load_plan(cursor, scale, people, now=now))
            step("customers", _sql("customers"), _name_params())
            # Bookings are placed along the whole plan, before a history-free set drops it.
            step("callbacks", _sql("callbacks"))
            if not history:
                step("keep open only", _sql("open_only"), _state_codes())
            step("complaints", _sql("complaints"), _text_params())
            step("work orders", _sql("work_orders"))
            step("events", _sql("events"))
            step("callback attempts", _sql("callback_attempts"))
            if history:
                step("invitations", _sql("invitations"))
                step("responses", _sql("responses"))
                step("answers", _sql("answers"))
            step("repair cases", _sql("repair_cases"))
            step("counters", _sql("counters"))
            for table in LOADED_TABLES:  # ids given explicitly: move the identity past them
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"coalesce(max(id), 0) + 1, false) FROM {table}"
                )
            counts = {}
            for table in LOADED_TABLES:
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our constant
                counts[table] = cursor.fetchone()[0]
        raw.commit()
    finally:
        raw.close()
    return now, counts, timings


def _scale_params(scale: Scale) -> dict[str, Any]:
    return {"n": scale.complaints, "customers": scale.customers, "callbacks": scale.callbacks}


def _name_params() -> dict[str, Any]:
    return {
        "surnames": list(SURNAMES),
        "given": list(GIVEN),
        "first_names": list(FIRST_NAMES),
        "last_names": list(LAST_NAMES),
    }


def _text_params() -> dict[str, Any]:
    longest = max(len(texts) for texts in DESCRIPTIONS.values())
    # A rectangular array for SQL: each category's texts, repeated to the same length.
    rows = [
        [texts[index % len(texts)] for index in range(longest)]
        for texts in (DESCRIPTIONS[code] for code, *_rest in CATEGORIES)
    ]
    return {"descriptions": rows, "description_count": longest, "summaries": list(SUMMARIES)}


def _people_rows(cursor) -> dict[str, Any]:
    """Teams, departments and staff (8 teams of 20 agents, their supervisors, departments).

    Staff get unusable passwords: benchmarks sign in by creating a session or a token.
    """
    cursor.execute(
        "INSERT INTO complaints_team (name, description) SELECT 'Front line ' || t, '' "
        "FROM generate_series(1, %s) t ORDER BY t",
        [TEAMS],
    )
    cursor.execute(
        "INSERT INTO complaints_team (name, description) VALUES (%s, '')", [QUALITY_TEAM]
    )
    cursor.execute("SELECT id FROM complaints_team ORDER BY id")
    team_ids = [row[0] for row in cursor.fetchall()]
    for code, name in DEPARTMENTS:
        cursor.execute(
            "INSERT INTO complaints_department (code, name, email) VALUES (%s, %s, %s)",
            [code, name, f"{code}@example.com"],
        )
    cursor.execute("SELECT code, id FROM complaints_department")
    departments = dict(cursor.fetchall())
    cursor.execute("SELECT name, id FROM auth_group")
    groups = dict(cursor.fetchall())
    user_sql = (
        "INSERT INTO complaints_user (password, is_superuser, username, first_name, last_name, "
        "email, is_staff, is_active, date_joined, team_id, department_id, employment_type, "
        "mobile) VALUES ('!', false, %s, %s, %s, '', %s, true, %s, %s, %s, %s, '') RETURNING id"
    )
    joined = dt.datetime.now(dt.UTC) - dt.timedelta(days=HISTORY_DAYS + 30)

    def user(username, role, *, team=None, department=None, outsourced=False, staff=False):
        first, last = username.split("-")[1].title(), username.rsplit("-", 1)[-1]
        cursor.execute(
            user_sql,
            [
                username,
                first,
                last,
                staff,
                joined,
                team,
                department,
                "outsourced" if outsourced else "in_house",
            ],
        )
        user_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO complaints_user_groups (user_id, group_id) VALUES (%s, %s)",
            [user_id, groups[role]],
        )
        return user_id

    agents = []
    for team in range(1, TEAMS + 1):
        row = []
        for number in range(1, AGENTS_PER_TEAM + 1):
            outsourced = number > AGENTS_PER_TEAM * (1 - OUTSOURCED_SHARE)
            row.append(
                user(
                    f"bench-agent-{team}-{number:02d}",
                    "Agent",
                    team=team_ids[team - 1],
                    outsourced=outsourced,
                )
            )
        agents.append(row)
    supervisors = [
        user(f"bench-supervisor-{team}", "Supervisor", team=team_ids[team - 1])
        for team in range(1, TEAMS + 1)
    ]
    for number in range(1, 4):
        user(f"bench-quality-{number}", "Agent", team=team_ids[-1])
    user("bench-admin-1", "Administrator", staff=True)
    department_users = [
        [
            user(f"bench-dept-{code}-{number}", "Department", department=departments[code])
            for number in range(1, DEPARTMENT_USERS + 1)
        ]
        for code, _name in DEPARTMENTS
    ]
    # Integrations: the IVR registers complaints for the first team; the CRM reads all.
    ivr = user("bench-ivr", "Agent", team=team_ids[0])
    crm = user("bench-crm", "Supervisor")
    cursor.execute("SELECT code, id FROM complaints_category")
    categories = dict(cursor.fetchall())
    cursor.execute(
        "SELECT priority, id, first_response_minutes, resolution_minutes FROM "
        "complaints_slapolicy WHERE applies_to = 'complaint' AND is_active "
        "AND category_id IS NULL AND customer_tier = '' ORDER BY id"
    )
    policies = {priority: (pk, first, resolution) for priority, pk, first, resolution in cursor}
    cursor.execute("SELECT language, id FROM surveys_questionnaire WHERE is_default AND is_active")
    questionnaires = dict(cursor.fetchall())
    cursor.execute(
        "SELECT questionnaire_id, position, id FROM surveys_question ORDER BY questionnaire_id"
    )
    questions = {(questionnaire, position): pk for questionnaire, position, pk in cursor}
    cursor.execute("SELECT id FROM repair_repairstrategy WHERE is_active ORDER BY id")
    strategies = [row[0] for row in cursor.fetchall()] or [None]
    department_of = [departments[dept] for _code, _share, _wo, dept in CATEGORIES]
    department_index = {code: index for index, (code, _name) in enumerate(DEPARTMENTS)}
    return {
        "team_ids": team_ids[:TEAMS],
        "quality_team": team_ids[-1],
        "agent_ids": agents,
        "teams": TEAMS,
        "agents_per_team": AGENTS_PER_TEAM,
        "in_house_agents": int(AGENTS_PER_TEAM * (1 - OUTSOURCED_SHARE)),
        "supervisor_ids": supervisors,
        "ivr": ivr,
        "crm": crm,
        "category_ids": [categories[code] for code, *_rest in CATEGORIES],
        "category_departments": department_of,
        "department_users": [
            department_users[department_index[dept]] for _code, _share, _wo, dept in CATEGORIES
        ],
        "department_user_count": DEPARTMENT_USERS,
        "policy_ids": [policies[p][0] for p in ("urgent", "general", "non_urgent")],
        "response_minutes": [policies[p][1] for p in ("urgent", "general", "non_urgent")],
        "resolution_minutes": [policies[p][2] for p in ("urgent", "general", "non_urgent")],
        "questionnaire_en": questionnaires.get("en"),
        "questionnaire_zh": questionnaires.get("zh-hans"),
        "q_score_en": questions.get((questionnaires.get("en"), 1)),
        "q_level_en": questions.get((questionnaires.get("en"), 2)),
        "q_recommend_en": questions.get((questionnaires.get("en"), 4)),
        "q_score_zh": questions.get((questionnaires.get("zh-hans"), 1)),
        "q_level_zh": questions.get((questionnaires.get("zh-hans"), 2)),
        "q_recommend_zh": questions.get((questionnaires.get("zh-hans"), 4)),
        "strategy_ids": strategies,
    }


def _load_plan(cursor, scale: Scale, people: dict[str, Any], *, now: dt.datetime) -> None:
    """The plan (bench/plan.py) into a temporary table, read through the ``plan`` view."""
    from django.conf import settings

    shape = plan.shape_of(scale, people, categories=CATEGORIES, channels=CHANNELS)
    payload = plan.copy_payload(shape, now=now, zone=settings.TIME_ZONE, days=HISTORY_DAYS, seed=42)
    cursor.execute(plan.table_sql())
    cursor.copy_expert("COPY plan_rows FROM STDIN WITH (FORMAT binary)", io.BytesIO(payload))
    cursor.execute("ANALYZE plan_rows")
    cursor.execute(
        plan.view_sql(
            channels=[code for code, _share in CHANNELS],
            categories=[code for code, *_rest in CATEGORIES],
        )
    )


def _state_codes() -> dict[str, int]:
    return {f"{state}_code": plan.STATES.index(state) + 1 for state in ("closed", "cancelled")}


def _drop_constraints(cursor, tables: tuple[str, ...]) -> None:
    """Drop the tables' foreign keys, unique constraints and secondary indexes.

    The statements that put them back go into ``PENDING_TABLE`` in the same transaction.
    Loading into bare tables and building each index once is several times faster than
    maintaining 20 indexes row by row, and re-adding a foreign key validates it with one
    join. The biggest tables come first, so that the parallel rebuild ends together.
    """
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {PENDING_TABLE} (id serial PRIMARY KEY, "
        "statement text NOT NULL, is_foreign_key boolean NOT NULL)"
    )
    for table in tables:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), contype = 'f' FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)",
            [table],
        )
        indexes = cursor.fetchall()
        pending = []
        for name, definition, is_foreign_key in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            pending.append(
                (f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}', is_foreign_key)
            )
        for name, definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
            pending.append((definition, False))
        cursor.executemany(
            f"INSERT INTO {PENDING_TABLE} (statement, is_foreign_key) VALUES (%s, %s)",  # noqa: S608
            pending,
        )


def _lend_defaults(cursor, tables: tuple[str, ...]) -> None:
    """Give the loaded tables' NOT NULL columns their model default for the load.

    Django keeps defaults in Python, not in the table, so a column another change adds
    (a ``version`` with ``default=1``) would make the generator's INSERTs fail. Simple
    literal defaults become column defaults until the rebuild takes them away again.
    """
    from django.apps import apps

    models = {model._meta.db_table: model for model in apps.get_models()}
    pending = []
    for table in tables:
        for column_field in models[table]._meta.concrete_fields:
            has = column_field.has_default()
            default = column_field.default if has else None
            if column_field.null or not isinstance(default, bool | int | float | str):
                continue
            column = f'ALTER TABLE {table} ALTER COLUMN "{column_field.column}"'
            cursor.execute(f"{column} SET DEFAULT %s", [default])
            pending.append((f"{column} DROP DEFAULT", False))
    cursor.executemany(
        f"INSERT INTO {PENDING_TABLE} (statement, is_foreign_key) VALUES (%s, %s)",  # noqa: S608
        pending,
    )


def _finish_rebuild() -> None:
    """Run the pending constraint and index statements, on two connections at once.

    Indexes and unique constraints first, then the foreign keys (which need them). Each
    statement commits with the removal of its row, so a crash leaves exactly the rest.
    A deadlock between two foreign keys (they lock both tables) is retried.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [PENDING_TABLE])
        if cursor.fetchone()[0] is None:
            return
    for foreign_keys in (False, True):
        workers = [
            threading.Thread(target=_rebuild_worker, args=(foreign_keys,), daemon=True)
            for _ in range(REBUILD_CONNECTIONS)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {PENDING_TABLE}")  # noqa: S608 - our constant
        left = cursor.fetchone()[0]
    if left:
        raise RuntimeError(f"{left} constraint and index statements failed; see the log.")


def _rebuild_worker(foreign_keys: bool) -> None:
    import psycopg2

    raw = _raw_connection()
    try:
        while True:
            with raw.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, statement FROM {PENDING_TABLE} WHERE is_foreign_key = %s "  # noqa: S608
                    "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                    [foreign_keys],
                )
                row = cursor.fetchone()
                if row is None:
                    raw.rollback()
                    return
                started = time.perf_counter()
                try:
                    cursor.execute(row[1])
                    cursor.execute(f"DELETE FROM {PENDING_TABLE} WHERE id = %s", [row[0]])  # noqa: S608
                except psycopg2.errors.DeadlockDetected:
                    raw.rollback()
                    continue
                except psycopg2.Error:
                    logger.exception("Rebuilding failed: %s", row[1])
                    raw.rollback()
                    return
            raw.commit()
            logger.debug("%.2f s: %s", time.perf_counter() - started, row[1])
    finally:
        raw.close()


def _sql(name: str) -> str:
    return (SQL / f"{name}.sql").read_text()
