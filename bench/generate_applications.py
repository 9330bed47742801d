"""Synthetic applications for benchmarks: N rows written straight into
GovShare's application tables with COPY.

Making 100,000 applications through the actions would take hours; the
benchmark measures the reviewer inbox, the supervisor report and the tick,
so the rows are written in the shape the actions write them (an application,
its events, its grant, its notices), relative to today:

* ~15 % ``submitted``: a third overdue, a quarter due within 5 working days,
  the rest later; a few with an extension;
* ~5 % ``needs_supplement`` (no due date while the clock stops);
* ~50 % ``approved`` with an active grant, 1,000 of them ending now (the
  tick expires them);
* ~20 % ``rejected``;
* the rest ``withdrawn``, ``expired`` (grant expired) and ``revoked`` (grant
  revoked);
* decided ones answered after 1–15 working days, about one in ten late
  (16–30), one in five after a supplement round (the clock restarted);
* events: submit, the decision or other steps (~2.2 per application);
  notices: one ``new`` per application and one per decision, all sent.

With ``states=["submitted"]`` every application is open (the recompute's
figure: 100,000 open cases). Due dates are marked provisional when they
depend on a year the calendar does not know, decisions carry the whole wait
(``wait_working_days``), so that a recompute of the generated rows finds
them as the actions would have stored them.

Organizations get applications unevenly (the busiest about 15 %), as a city's
transport or health agency would. Deterministic for a given seed and day.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from typing import Callable, Sequence

from bench.generate import _copy

CHINA = dt.timedelta(hours=8)
PURPOSES = ["城市交通规划研究", "公共卫生统计分析", "营商环境评估", "学术研究论文", "产品研发测试",
            "新闻报道数据核实", "社区服务优化", "环境影响评价"]
SCENARIOS = ["公交线网优化模型的训练与验证", "区域人口与医疗资源匹配分析", "企业信用风险模型",
             "空气质量与出行方式相关性研究", "便民服务小程序的数据接入"]
REJECT_REASONS = ["申请用途与数据开放范围不符", "数据涉及个人信息，不予提供", "申请材料不完整",
                  "申请的字段超出有条件开放范围"]
TABLES = ("govshare_application", "govshare_application_event", "govshare_grant",
          "govshare_application_notice")


def truncate(conn) -> None:
    """Empty the application tables (TRUNCATE: the event table refuses DELETE)."""
    with conn.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY")
    conn.commit()


class Days:
    """Working days around today, by index: ``day(i)``; ``t`` is the index of
    the last working day up to today."""

    def __init__(self, today: dt.date, is_workday: Callable[[dt.date], bool],
                 back: int = 900, ahead: int = 120) -> None:
        first = today - dt.timedelta(days=back)
        self.days = [d for d in (first + dt.timedelta(days=n) for n in range(back + ahead))
                     if is_workday(d)]
        self.t = max(i for i, d in enumerate(self.days) if d <= today)

    def day(self, index: int) -> dt.date:
        return self.days[index]

    def at(self, index: int, rng: random.Random) -> dt.datetime:
        """A moment in office hours (China) of working day ``index``, naive UTC."""
        local = dt.datetime.combine(self.day(index), dt.time(9)) + dt.timedelta(
            seconds=rng.randrange(9 * 3600))
        return local - CHINA


def _weights(n: int) -> list[float]:
    """Uneven load: the busiest organization gets about 15 %."""
    return [1.0 / (i + 1) ** 0.6 for i in range(n)]


def generate(conn, count: int, *, orgs: Sequence[tuple[str, str]],
             datasets: Sequence[tuple[str, str]], applicants: Sequence[str],
             days: Days, now: dt.datetime, answer_days: int = 15,
             seed: int = 20261121, progress=print, states: Sequence[str] | None = None,
             knows: Callable[[int], bool] = lambda year: True) -> dict[str, int]:
    """Write ``count`` applications (the tables must be empty).

    :param orgs: (organization id, its reviewer's user id)
    :param datasets: (dataset id, owning organization id)
    :param applicants: user ids
    :param states: the states to draw from (default: the mix above)
    :param knows: whether the calendar knows a year (else its dates are
        provisional)
    :returns: how many of each state were written
    """
    rng = random.Random(seed)
    reviewer = dict(orgs)
    by_org: dict[str, list[str]] = {}
    for package_id, org_id in datasets:
        by_org.setdefault(org_id, []).append(package_id)
    org_ids = [o for o, _ in orgs if by_org.get(o)]
    weights = _weights(len(org_ids))
    t = days.t
    pending_pairs: set[tuple[str, str]] = set()
    states = list(states or (
        ["submitted"] * 150 + ["needs_supplement"] * 50 + ["approved"] * 500
        + ["rejected"] * 200 + ["withdrawn"] * 50 + ["expired"] * 30 + ["revoked"] * 20))
    expiring_now = 1000
    counts: dict[str, int] = {}
    batch = 10_000
    event_columns = ["application_id", "at", "actor_id", "move", "from_state", "to_state",
                     "reason", "terms", "details"]
    app_columns = ["id", "package_id", "owner_org", "resource_ids", "user_id", "purpose",
                   "use_scenario", "requested_fields", "requested_term_months",
                   "applicant_type", "applicant_name", "credit_code", "contact_email",
                   "contact_phone", "terms_accepted_at", "state", "created_at",
                   "submitted_at", "due_date", "due_date_provisional", "extension_days",
                   "decided_at", "decided_by", "answer_working_days", "answered_late",
                   "wait_working_days", "reason", "terms", "modified_at"]
    grant_columns = ["id", "application_id", "user_id", "package_id", "owner_org",
                     "resource_ids", "valid_from", "valid_until", "state", "ended_at",
                     "ended_by", "end_reason"]
    notice_columns = ["application_id", "kind", "created_at", "sent_at", "attempts"]
    cursor = conn.cursor()
    for start in range(0, count, batch):
        apps, events, grants, notices = [], [], [], []
        for n in range(start, min(count, start + batch)):
            state = rng.choice(states)
            org_id = rng.choices(org_ids, weights)[0]
            package_id = rng.choice(by_org[org_id])
            user_id = rng.choice(applicants)
            if state in ("submitted", "needs_supplement"):
                while (user_id, package_id) in pending_pairs:  # one pending per pair
                    user_id = rng.choice(applicants)
                pending_pairs.add((user_id, package_id))
            app_id = str(uuid.UUID(int=rng.getrandbits(128)))
            review = reviewer[org_id]
            due: dt.date | None
            decided_at = decided_by = answer = late = wait = reason = terms = None
            extension = 0
            created_index = None
            if state == "submitted":
                kind = rng.random()
                if kind < 0.33:      # overdue
                    i = t - rng.randrange(answer_days + 1, answer_days + 45)
                elif kind < 0.58:    # due within the next 5 working days
                    i = t - answer_days + rng.randrange(1, 6)
                else:
                    i = t - rng.randrange(0, answer_days - 5)
                if rng.random() < 0.04:
                    extension = rng.randrange(5, 16)
                due = days.day(i + answer_days + extension)
            elif state == "needs_supplement":
                i = t - rng.randrange(3, 40)
                due = None
                reason = "请补充应用场景说明和数据安全措施"
            elif state == "withdrawn":
                i = t - rng.randrange(5, 500)
                due = days.day(i + answer_days)
            else:
                i = t - rng.randrange(answer_days * 2 + 1, 500)
                answer = (rng.randrange(answer_days + 1, answer_days * 2 + 1)
                          if rng.random() < 0.1 else rng.randrange(1, answer_days + 1))
                if rng.random() < 0.2:  # a supplement round first: the clock restarted
                    created_index = i - rng.randrange(3, 15)
                due = days.day(i + answer_days)
                late = answer > answer_days
                decided_at = days.at(i + answer, rng)
                decided_by = review
            if answer is not None:
                wait = answer + (i - created_index if created_index else 0)
            submitted_at = days.at(i, rng)
            created_at = days.at(created_index, rng) if created_index else submitted_at
            provisional = due is not None and not all(
                knows(year) for year in range(days.day(i).year, due.year + 1))
            if state == "rejected":
                reason = rng.choice(REJECT_REASONS)
            term_months = rng.choice([3, 6, 12, 12, 24])
            if state in ("approved", "expired", "revoked"):
                until_day = decided_at.date() + dt.timedelta(days=30 * term_months)
                terms = {"scope": "全部资源", "extent": "仅用于申请所述用途",
                         "valid_from": (decided_at + CHINA).date().isoformat(),
                         "valid_until": until_day.isoformat(),
                         "disposal": "期满后30日内删除", "derived_data_ownership": "归申请人所有",
                         "resource_ids": []}
            if state == "approved":
                if expiring_now and rng.random() < 0.03:
                    expiring_now -= 1
                    valid_until = now - dt.timedelta(minutes=rng.randrange(1, 3 * 24 * 60))
                else:
                    valid_until = now + dt.timedelta(days=rng.randrange(1, 700))
                grants.append((str(uuid.UUID(int=rng.getrandbits(128))), app_id, user_id,
                               package_id, org_id, "{}", decided_at, valid_until, "active",
                               None, None, None))
            elif state == "expired":
                ended = decided_at + (now - decided_at) * rng.uniform(0.3, 0.95)
                grants.append((str(uuid.UUID(int=rng.getrandbits(128))), app_id, user_id,
                               package_id, org_id, "{}", decided_at, ended, "expired",
                               ended, None, None))
            elif state == "revoked":
                ended = min(decided_at + dt.timedelta(days=rng.randrange(1, 60)),
                            now - dt.timedelta(hours=1))
                grants.append((str(uuid.UUID(int=rng.getrandbits(128))), app_id, user_id,
                               package_id, org_id, "{}", decided_at,
                               ended + dt.timedelta(days=365), "revoked", ended, review,
                               "违反使用约定"))
            modified = max(x for x in (submitted_at, decided_at) if x is not None)
            apps.append((
                app_id, package_id, org_id, "{}", user_id, rng.choice(PURPOSES),
                rng.choice(SCENARIOS), "全部字段", term_months,
                "organization" if n % 3 else "person", f"申请单位{n % 997}",
                None if n % 3 == 0 else "12330100MB1A2B3C4D", f"applicant{n}@example.com",
                f"138{n % 10**8:08d}", created_at, state, created_at, submitted_at, due,
                provisional, extension, decided_at, decided_by, answer, late, wait, reason,
                json.dumps(terms, ensure_ascii=False) if terms else None, modified))

            def event(at, actor, move, source, target, reason=None, terms=None,
                      details=None):
                events.append((app_id, at, actor, move, source, target, reason,
                               json.dumps(terms, ensure_ascii=False) if terms else None,
                               json.dumps(details) if details else None))

            event(created_at, user_id, "submit", None, "submitted",
                  details={"due_date": (due or days.day(i + answer_days)).isoformat()})
            notices.append((app_id, "new", created_at, created_at, 1))
            if created_index:
                asked = days.at(created_index + 2, rng)
                event(asked, review, "request_supplement", "submitted", "needs_supplement",
                      reason="请补充材料")
                event(submitted_at, user_id, "supplement", "needs_supplement", "submitted",
                      details={"due_date": due.isoformat() if due else None})
            if state == "needs_supplement":
                event(submitted_at + dt.timedelta(days=2), review, "request_supplement",
                      "submitted", "needs_supplement", reason=reason)
            elif state == "withdrawn":
                event(submitted_at + dt.timedelta(days=1), user_id, "withdraw", "submitted",
                      "withdrawn")
            elif extension:
                event(submitted_at + dt.timedelta(days=3), review, "extend", "submitted",
                      "submitted", reason="需要征求数据提供部门意见",
                      details={"days": extension, "due_date": due.isoformat()})
            if decided_at is not None:
                decision = "reject" if state == "rejected" else "approve"
                event(decided_at, review, decision, "submitted",
                      "rejected" if state == "rejected" else "approved", reason=reason,
                      terms=terms)
                notices.append((app_id, "rejected" if state == "rejected" else "approved",
                                decided_at, decided_at, 1))
            if state == "expired":
                event(grants[-1][7], None, "expire", "approved", "expired")
            elif state == "revoked":
                event(grants[-1][9], review, "revoke", "approved", "revoked",
                      reason="违反使用约定")
            counts[state] = counts.get(state, 0) + 1
        _copy(cursor, "govshare_application", app_columns, apps)
        _copy(cursor, "govshare_application_event", event_columns, events)
        _copy(cursor, "govshare_grant", grant_columns, grants)
        _copy(cursor, "govshare_application_notice", notice_columns, notices)
        conn.commit()
        progress(f"generated {min(count, start + batch)}/{count} applications")
    cursor.execute("ANALYZE govshare_application; ANALYZE govshare_application_event;"
                   " ANALYZE govshare_grant; ANALYZE govshare_application_notice")
    conn.commit()
    cursor.close()
    return counts
