"""Synthetic error reports and data requests for benchmarks, written with COPY.

Making 100,000 of each through the actions would take hours; the benchmarks
measure the lists, their pages and the statistics over them, so the rows
are written in the shape the actions write them, relative to today:

* **error reports** (applications of kind ``error_report``, with their
  ``submit`` event and the answer's, a ``forward`` event for about one in
  twenty): over the synthetic catalog's public datasets, Zipf-like (a few
  datasets get hundreds of reports, most none), by the applicants of the
  applications benchmark (a few report a lot); ~20 % waiting for the answer
  (a third of them overdue), ~40 % corrected, ~33 % no error found, the rest
  withdrawn; about one answer in ten late;
* **data requests**, with their supporters (one row per vote, the count kept
  on the request as the action keeps it): four in five name an agency of the
  synthetic catalog, unevenly; those asked within the answer period mostly
  wait, older ones are answered (one in ten late) or overdue; the answers
  are each of the four outcomes, linking to a dataset of the agency where
  the outcome needs one.

Deterministic for a given seed and day.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from typing import Callable, Sequence

from bench.generate import AGENCIES, DISTRICTS, KINDS, TOPICS, _copy
from bench.generate_applications import Days

PROBLEMS = ["wrong_values"] * 40 + ["out_of_date"] * 30 + ["broken_link"] * 20 + [
    "personal_data"] * 3 + ["other"] * 7
DESCRIPTIONS = ["第{n}行的数值与原始报表不一致", "数据已超过一年未更新", "下载链接返回404",
                "坐标字段存在明显错误", "字段说明与实际内容不符", "存在重复记录",
                "文件中包含未脱敏的联系电话"]
ANSWERS = {"corrected": ["已核实并更正相关记录", "已重新上传最新数据文件", "已修复下载链接"],
           "confirmed": ["经核实数据无误，差异系统计口径不同", "该字段按国家标准填报，无需修改"]}
PURPOSES = ["便民出行应用开发", "学术研究", "社区服务优化", "企业选址分析", "新闻报道",
            "公共卫生研究"]
OUTCOMES = ["will_open"] * 30 + ["available"] * 25 + ["by_application"] * 15 + [
    "cannot_open"] * 30
BASES = ["《政府信息公开条例》第十四条", "涉及个人隐私，依法不予开放", "涉及商业秘密"]
ER_COLUMNS = ["id", "kind", "problem", "package_id", "owner_org", "resource_ids", "user_id",
              "purpose", "use_scenario", "requested_fields", "applicant_type",
              "applicant_name", "contact_email", "contact_phone", "terms_accepted_at",
              "state", "created_at", "submitted_at", "due_date", "due_date_provisional",
              "extension_days", "decided_at", "decided_by", "answer_working_days",
              "answered_late", "wait_working_days", "reason", "modified_at"]
EVENT_COLUMNS = ["application_id", "at", "actor_id", "move", "from_state", "to_state",
                 "reason", "details"]
DR_COLUMNS = ["id", "title", "description", "purpose", "user_id", "owner_org", "state",
              "created_at", "due_date", "due_date_provisional", "support_count", "outcome",
              "reason", "basis", "package_id", "open_by", "answered_at", "answered_by",
              "answered_late"]


def _zipf(n: int, exponent: float) -> list[float]:
    return [1.0 / (i + 1) ** exponent for i in range(n)]


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def error_reports(conn, count: int, *, datasets: Sequence[tuple[str, str, str]],
                  orgs: dict[str, str], reporters: Sequence[str], days: Days,
                  answer_days: int = 5, seed: int = 20261203, progress=print,
                  knows: Callable[[int], bool] = lambda year: True) -> dict[str, int]:
    """Write ``count`` error reports (none of that kind may exist yet).

    :param datasets: (dataset id, owning organization id, first resource id),
        most reported first
    :param orgs: organization id -> the user id that answers for it
    :param reporters: user ids, most active first
    :returns: how many of each state were written
    """
    rng = random.Random(seed)
    dataset_weights = _cumulative(_zipf(len(datasets), 0.8))
    reporter_weights = _cumulative(_zipf(len(reporters), 0.7))
    org_ids = sorted(orgs)
    states = (["submitted"] * 20 + ["corrected"] * 40 + ["confirmed"] * 33
              + ["withdrawn"] * 7)
    t = days.t
    counts: dict[str, int] = {}
    cursor = conn.cursor()
    batch = 10_000
    for start in range(0, count, batch):
        reports, events = [], []
        for n in range(start, min(count, start + batch)):
            package_id, org_id, resource_id = rng.choices(
                datasets, cum_weights=dataset_weights)[0]
            user_id = rng.choices(reporters, cum_weights=reporter_weights)[0]
            state = rng.choice(states)
            report_id = str(uuid.UUID(int=rng.getrandbits(128)))
            if state == "submitted":
                r = rng.random()
                i = (t - rng.randrange(answer_days + 1, answer_days + 40) if r < 0.33
                     else t - rng.randrange(0, answer_days + 1))
            else:
                i = t - rng.randrange(answer_days + 1, 480)
            created_at = days.at(i, rng)
            submitted_at, owner = created_at, org_id
            forward = None
            if rng.random() < 0.05:  # forwarded once: the clock restarts there
                hop = rng.randrange(1, answer_days + 1)
                if state != "submitted" or i + hop <= t:
                    target = rng.choice([o for o in org_ids if o != org_id])
                    submitted_at = days.at(i + hop, rng)
                    forward = (submitted_at, orgs[org_id], org_id, target, i)
                    owner, i = target, i + hop
            due = days.day(i + answer_days)
            provisional = not all(knows(y) for y in range(days.day(i).year, due.year + 1))
            decided_at = decided_by = answer = late = wait = reason = None
            if state in ("corrected", "confirmed"):
                answer = (rng.randrange(answer_days + 1, answer_days * 3)
                          if rng.random() < 0.1 else rng.randrange(1, answer_days + 1))
                late = answer > answer_days
                decided_at = days.at(i + answer, rng)
                decided_by = orgs[owner]
                reason = rng.choice(ANSWERS[state])
                wait = answer + (i - forward[4] if forward else 0)
            modified = max(x for x in (submitted_at, decided_at) if x is not None)
            problem = rng.choice(PROBLEMS)
            reports.append((
                report_id, "error_report", problem, package_id, owner,
                "{%s}" % resource_id if n % 3 == 0 and resource_id else "{}", user_id,
                rng.choice(DESCRIPTIONS).format(n=n % 500 + 2), "", "", "person",
                f"报告人{n % 991}", f"reporter{n}@example.com", "", created_at, state,
                created_at, submitted_at, due, provisional, 0, decided_at, decided_by,
                answer, late, wait, reason, modified))
            events.append((report_id, created_at, user_id, "submit", None, "submitted", None,
                           json.dumps({"due_date": days.day(
                               (forward[4] if forward else i) + answer_days).isoformat(),
                               "answer_working_days": answer_days, "problem": problem})))
            if forward:
                at, actor, source, target, _ = forward
                events.append((report_id, at, actor, "forward", "submitted", "submitted",
                               "数据归属其他部门", json.dumps({
                                   "outcome": "forwarded", "from_org": source,
                                   "to_org": target, "due_date": due.isoformat(),
                                   "answer_working_days": answer_days})))
            if decided_at is not None:
                events.append((report_id, decided_at, decided_by,
                               "correct" if state == "corrected" else "confirm", "submitted",
                               state, reason, json.dumps({"outcome": "corrected"
                                                          if state == "corrected"
                                                          else "no_error"})))
            elif state == "withdrawn":
                events.append((report_id, created_at + dt.timedelta(hours=5), user_id,
                               "withdraw", "submitted", "withdrawn", None, None))
            counts[state] = counts.get(state, 0) + 1
        _copy(cursor, "govshare_application", ER_COLUMNS, reports)
        _copy(cursor, "govshare_application_event", EVENT_COLUMNS, events)
        conn.commit()
        progress(f"generated {min(count, start + batch)}/{count} error reports")
    cursor.execute("ANALYZE govshare_application; ANALYZE govshare_application_event")
    conn.commit()
    cursor.close()
    return counts


def data_requests(conn, count: int, *, orgs: dict[str, list[str]],
                  requesters: Sequence[str], answerer: str, days: Days,
                  answer_days: int = 15, seed: int = 20261204,
                  progress=print) -> dict[str, int]:
    """Write ``count`` data requests and their votes (the tables must be empty).

    :param orgs: organization id -> ids of its public datasets (an answer's link)
    :param requesters: user ids (requesters and supporters)
    :param answerer: the user id recorded as answering
    :returns: how many were written in each state, and the votes
    """
    rng = random.Random(seed)
    org_ids = sorted(orgs)
    org_weights = _cumulative(_zipf(len(org_ids), 0.6))
    t = days.t
    counts: dict[str, int] = {}
    votes_total = 0
    cursor = conn.cursor()
    batch = 10_000
    for start in range(0, count, batch):
        requests, votes = [], []
        for n in range(start, min(count, start + batch)):
            request_id = str(uuid.UUID(int=rng.getrandbits(128)))
            owner = (rng.choices(org_ids, cum_weights=org_weights)[0]
                     if rng.random() < 0.8 else None)
            user_id = rng.choice(requesters)
            i = t - int(rng.expovariate(1 / 150)) % 700
            created_at = days.at(i, rng)
            due = days.day(i + answer_days)
            waiting = (i > t - answer_days and rng.random() < 0.9) or rng.random() < 0.12
            outcome = reason = basis = package_id = open_by = None
            answered_at = answered_by = late = None
            if not waiting:
                answer = (rng.randrange(answer_days + 1, answer_days * 2)
                          if rng.random() < 0.1 else rng.randrange(1, answer_days + 1))
                if i + answer > t:
                    answer = t - i
                answered_at = days.at(i + answer, rng)
                answered_by, late = answerer, answer > answer_days
                outcome = rng.choice(OUTCOMES)
                reason = "经研究，答复如下"
                if outcome in ("available", "by_application") and owner and orgs[owner]:
                    package_id = rng.choice(orgs[owner])
                elif outcome in ("available", "by_application"):
                    outcome = "will_open"
                if outcome == "will_open":
                    open_by = answered_at.date() + dt.timedelta(days=rng.randrange(30, 365))
                elif outcome == "cannot_open":
                    basis = rng.choice(BASES)
            # most requests get a vote or two, a few are popular
            supporters = min(int(rng.paretovariate(1.3)) - 1, len(requesters) - 1)
            chosen = [u for u in rng.sample(requesters, supporters + 1) if u != user_id]
            chosen = chosen[:supporters]
            for k, supporter in enumerate(chosen):
                votes.append((request_id, supporter,
                              created_at + dt.timedelta(minutes=7 * (k + 1))))
            topic = rng.choice(TOPICS)
            agency = AGENCIES[n % len(AGENCIES)]
            requests.append((
                request_id, f"{rng.choice(DISTRICTS)}{topic}{rng.choice(KINDS)}",
                f"希望{agency}开放{topic}的明细数据，按月更新", rng.choice(PURPOSES), user_id,
                owner, "submitted" if waiting else "answered", created_at, due, False,
                len(chosen), outcome, reason, basis, package_id, open_by, answered_at,
                answered_by, late))
            state = "submitted" if waiting else "answered"
            counts[state] = counts.get(state, 0) + 1
            votes_total += len(chosen)
        _copy(cursor, "govshare_data_request", DR_COLUMNS, requests)
        _copy(cursor, "govshare_data_request_support", ["request_id", "user_id", "created_at"],
              votes)
        conn.commit()
        progress(f"generated {min(count, start + batch)}/{count} data requests")
    cursor.execute("ANALYZE govshare_data_request; ANALYZE govshare_data_request_support")
    conn.commit()
    cursor.close()
    counts["votes"] = votes_total
    return counts
