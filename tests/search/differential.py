"""The differential test's catalog, queries and comparisons
(``tests/search/test_differential.py``).

Everything here is generated from a seed, so every run indexes the same
datasets and asks the same questions:

* :func:`datasets` makes the generated part of the catalog (the demo's
  datasets come beside it): Chinese, English and mixed titles and
  descriptions, tags, organizations, groups, licences, resource formats,
  release dates, the three open tiers and private entries;
* :func:`queries` makes the questions, of every kind the brief lists
  (:data:`KINDS`), each asked as one of three users;
* :func:`differences` and :func:`overlap_at_10` compare what the two engines
  answered.

No CKAN import here: the module is the data of the test, its functions pure.
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import random
import statistics
from collections import Counter
from typing import Any, Iterable, Sequence

SEED = 20261203
#: how many datasets are generated beside the demo's
GENERATED = 300
#: at least this many queries, and at least PER_KIND of each kind
MIN_QUERIES = 1000
PER_KIND = 40

#: the users the queries are asked as
ANONYMOUS, MEMBER, SYSADMIN = "anonymous", "member", "sysadmin"
USERS = (ANONYMOUS, MEMBER, SYSADMIN)

KINDS = {
    "word": "one word typed in the search box (Chinese, English, a tag, an agency)",
    "words": "two or three words typed in the search box",
    "phrase": "a quoted phrase",
    "boolean": "AND / OR / NOT / + / - / && / || and parentheses in the search box",
    "fielded": "field:value queries (string and text fields)",
    "filter": "fq filters beside a query",
    "range": "ranges on dates (with date math), numbers and strings",
    "wildcard": "* and ? on string and text fields, field:* and -field:*",
    "facet": "facet.field with facet.limit and facet.mincount",
    "sort": "sorts on fields with rows and start (paging)",
}

# ---------------------------------------------------------------- vocabulary
#: (Chinese, English, URL slug) of the subjects datasets are about
SUBJECTS = [
    ("公交线路", "bus routes", "bus-routes"), ("公交站点", "bus stops", "bus-stops"),
    ("空气质量", "air quality", "air-quality"), ("水质监测", "water quality", "water-quality"),
    ("噪声监测", "noise monitoring", "noise"), ("企业登记", "business registration", "business"),
    ("食品安全", "food safety", "food-safety"), ("医疗机构", "medical institutions", "clinics"),
    ("学校名录", "school directory", "schools"), ("幼儿园", "kindergartens", "kindergartens"),
    ("人口统计", "population statistics", "population"),
    ("居民收入", "household income", "income"), ("财政预算", "budget", "budget"),
    ("土地利用", "land use", "land-use"), ("地质灾害", "geological hazards", "hazards"),
    ("停车场", "parking lots", "parking"), ("公共自行车", "public bicycles", "bicycles"),
    ("道路客运", "passenger transport", "coaches"), ("交通流量", "traffic flow", "traffic"),
    ("污染源", "pollution sources", "pollution"), ("行政处罚", "administrative penalties",
                                                    "penalties"),
    ("消费投诉", "consumer complaints", "complaints"),
    ("教育经费", "education spending", "education"),
    ("传染病", "infectious diseases", "diseases"),
    ("预防接种", "vaccination clinics", "vaccination"),
    ("不动产登记", "property registration", "property"),
    ("新能源汽车", "electric vehicles", "electric-vehicles"),
    ("养老机构", "elderly care homes", "elderly-care"),
    ("就业创业", "employment", "employment"), ("文化场馆", "cultural venues", "culture"),
    ("体育设施", "sports facilities", "sports"), ("充电桩", "charging stations", "charging"),
]
PLACES = ["城东区", "城西区", "城南区", "城北区", "高新区", "滨江区", "全市"]
PLACES_EN = ["East District", "West District", "Riverside", "Hi-tech Zone", "City"]
SUFFIXES = [("信息", ""), ("统计", "statistics"), ("名录", "directory"), ("月报", "monthly report"),
            ("年报", "annual report"), ("日报", "daily report"), ("清单", "list"),
            ("汇总", "summary")]
TAGS = ["公交", "公共交通", "交通出行", "站点", "空气质量", "环境监测", "水质", "噪声", "企业",
        "市场监管", "食品安全", "医疗机构", "医院", "卫生健康", "学校", "教育", "人口", "统计",
        "经济", "财政", "地理信息", "自然资源", "停车", "新能源汽车", "养老", "就业", "文化",
        "体育", "transport", "environment", "health", "statistics", "economy", "bus",
        "air quality", "education", "open data", "GDP", "PM2.5"]
GROUPS = ["jiaotong-chuxing", "shengtai-huanjing", "jingji-fazhan", "yiliao-weisheng",
          "jiaoyu-wenhua", "ziran-ziyuan"]
LICENSES = ["cc-by", "odc-by", "other-open", "cc-zero", "cc-by-sa", "odc-odbl", "other-closed"]
#: resource formats and the catalog's data_format each stands for
FORMATS = {"CSV": "CSV", "JSON": "JSON", "XLSX": "XLSX", "GeoJSON": "GeoJSON", "XML": "XML",
           "PDF": "PDF", "API": "OTHER"}
PEOPLE = ["周晓岚", "沈立群", "王建国", "李明", "张伟", "陈静", "Li Wei", "Zhang Min"]
SUBJECT_CATEGORIES = ["economy", "transport", "environment", "health", "education", "social",
                      "government", "urban"]
FREQUENCIES = ["daily", "weekly", "monthly", "quarterly", "yearly", "irregular"]
SHARE_TYPES = ["unconditional", "conditional"]
SENTENCES_ZH = [
    "{place}{subject}的基础信息，包括名称、地址、类别和联系方式。",
    "数据来源于{agency}业务系统，{frequency}更新。",
    "可用于{subject}分析、公共服务和应用开发。",
    "本数据集按{place}汇总，覆盖{year}年以来的记录。",
    "字段说明见数据字典；坐标采用 WGS84 经纬度。",
    "涉及个人信息的字段已脱敏处理。",
]
SENTENCES_EN = [
    "{subject_en} in {place_en}, updated {frequency_en}.",
    "Records since {year}, one row per site, with names, addresses and categories.",
    "Published by the {agency_en} for reuse and analysis.",
    "See the data dictionary for the meaning of each column.",
]
FREQUENCY_WORDS = {"daily": ("每日", "daily"), "weekly": ("每周", "weekly"),
                   "monthly": ("每月", "monthly"), "quarterly": ("每季度", "quarterly"),
                   "yearly": ("每年", "yearly"), "irregular": ("不定期", "irregularly")}
#: words nothing in the catalog says
ABSENT = ["火星基地", "unicorn", "量子通信", "zeppelin"]
#: wildcard patterns on string fields and prefixes on text fields
NAME_PREFIXES = ["gen-00", "gen-01", "gen-02", "bus", "air", "city", "statistical", "school",
                 "gen-0*-bus", "gen-??5"]
TEXT_PREFIXES = ["rou", "stat", "qual", "bus", "schoo", "regist", "employ", "vacc",
                 # words the stemmer changes: a wildcard's term is not stemmed
                 "routes", "statistics", "schools", "monitoring"]


# ---------------------------------------------------------------- the catalog
@dataclasses.dataclass(frozen=True)
class Generated:
    """A generated dataset: what the factory is given, and what the test sets
    in the database after (dates, downloads)."""
    fields: dict[str, Any]
    #: days before the run's start that it was created and last modified
    created_days_ago: int
    modified_days_ago: int
    downloads: int


def datasets(organizations: Sequence[dict[str, Any]], count: int = GENERATED,
             seed: int = SEED) -> list[Generated]:
    """``count`` datasets spread over ``organizations`` (dicts with ``name``,
    ``title`` and, in their ``fields``, ``name_en``)."""
    rng = random.Random(seed)
    made = []
    for number in range(count):
        org = rng.choice(organizations)
        subject, subject_en, slug = rng.choice(SUBJECTS)
        place = rng.choice(PLACES)
        place_en = rng.choice(PLACES_EN)
        suffix, suffix_en = rng.choice(SUFFIXES)
        year = rng.randint(2015, 2025)
        language = rng.choices(["zh", "en", "mixed"], weights=[5, 3, 2])[0]
        if language == "zh":
            title = (f"{place}{subject}{suffix}" if rng.random() < 0.7
                     else f"{year}年{subject}{suffix}")
        elif language == "en":
            title = f"{subject_en.capitalize()} {suffix_en}".strip()
            if rng.random() < 0.5:
                title += f" ({place_en})"
        else:
            title = f"{place_en} {subject} {subject_en}"
        frequency = rng.choice(FREQUENCIES)
        agency_en = (org.get("fields") or {}).get("name_en") or org["name"]
        words = {"place": place, "subject": subject, "agency": org["title"], "year": year,
                 "frequency": FREQUENCY_WORDS[frequency][0], "subject_en": subject_en,
                 "place_en": place_en, "agency_en": agency_en,
                 "frequency_en": FREQUENCY_WORDS[frequency][1]}
        sentences = (rng.sample(SENTENCES_ZH, rng.randint(1, 3)) if language != "en" else [])
        if language != "zh" or rng.random() < 0.2:
            sentences += rng.sample(SENTENCES_EN, rng.randint(1, 2))
        notes = " ".join(s.format(**words) for s in sentences)
        formats = rng.sample(list(FORMATS), rng.randint(1, 3))
        if not {"CSV", "JSON", "XLSX", "GeoJSON", "XML"} & set(formats):
            formats.insert(0, "CSV")  # an open entry needs a machine-readable file
        resources = [{"url": f"http://example.com/gen/{number}/{i}.{f.lower()}", "format": f,
                      "name": rng.choice([f"{subject}{suffix}表", f"{subject_en} {f}",
                                          f"{place}{subject}"]),
                      "description": rng.choice(["", f"{subject}，UTF-8 编码。",
                                                 f"One row per {subject_en.split()[-1]}."])}
                     for i, f in enumerate(formats)]
        tier = rng.choices(["unconditional", "conditional", "closed"], weights=[7, 2, 1.5])[0]
        grade = {"unconditional": "L1", "conditional": rng.choice(["L1", "L2", "L3"]),
                 "closed": rng.choice(["L1", "L4"])}[tier]
        tags = rng.sample(TAGS, rng.randint(0, 4))
        if rng.random() < 0.6:
            tags.append(subject)
        created = rng.randint(30, 1500)
        modified = rng.randint(1, created)
        fields = {
            "name": f"gen-{number:03d}-{slug}",
            "title": title,
            "notes": notes,
            "owner_org": org["name"],
            "private": rng.random() < 0.1,
            "license_id": rng.choice(LICENSES),
            "tags": [{"name": t} for t in dict.fromkeys(tags)],
            "groups": [{"name": g} for g in rng.sample(GROUPS, rng.choice([0, 0, 1, 1, 2]))],
            "resources": resources,
            "data_format": list(dict.fromkeys(FORMATS[f] for f in formats)),
            "open_tier": tier,
            "data_grade": grade,
            "share_type": rng.choice(SHARE_TYPES),
            "subject_category": rng.choice(SUBJECT_CATEGORIES),
            "update_frequency": frequency,
            "release_date": (datetime.date(2018, 1, 1)
                             + datetime.timedelta(days=rng.randint(0, 3200))).isoformat(),
            "maintainer": rng.choice(PEOPLE),
            "author": rng.choice(PEOPLE),
        }
        made.append(Generated(fields, created, modified,
                              rng.choice([0, 0, 0, 0, rng.randint(1, 500)])))
    return made


def demo_dates(names: Sequence[str], seed: int = SEED) -> dict[str, tuple[int, int, int]]:
    """(created days ago, modified days ago, downloads) for the demo's datasets."""
    rng = random.Random(seed + 1)
    dates = {}
    for name in names:
        created = rng.randint(30, 1500)
        dates[name] = (created, rng.randint(1, created), rng.choice([0, 0, rng.randint(1, 900)]))
    return dates


# ---------------------------------------------------------------- the queries
@dataclasses.dataclass(frozen=True)
class Query:
    kind: str
    user: str
    params: tuple[tuple[str, Any], ...]

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.params)

    @property
    def q(self) -> str:
        return str(self.data.get("q") or "")

    @property
    def sort(self) -> str:
        return str(self.data.get("sort") or "")

    def ranked(self, default_sort: str) -> bool:
        """Ordered by relevance: the score decides, and varies between
        documents (a query that matches everything scores them alike)."""
        sort = self.sort or default_sort
        return "score" in sort and self.q.strip() not in ("", "*:*")

    def __str__(self) -> str:
        shown = {k: v for k, v in self.params}
        return f"[{self.kind}/{self.user}] " + json.dumps(shown, ensure_ascii=False)


def _query(kind: str, rng: random.Random, **params: Any) -> Query:
    params = {k: v for k, v in params.items() if v not in (None, "")}
    params.setdefault("include_private", True)
    if rng.random() < 0.75:
        # the names only (most queries: faster); the others read CKAN's
        # data_dict from the engine as the search page does
        params["fl"] = "name"
    return Query(kind, rng.choice(USERS), tuple(sorted(params.items())))


class _Vocabulary:
    """What queries ask about: words of the generated catalog and the demo's."""

    def __init__(self, demo: dict[str, Any], rng: random.Random) -> None:
        self.rng = rng
        self.demo_titles = [d["title"] for d in demo["datasets"]]
        self.demo_tags = sorted({t for d in demo["datasets"] for t in d.get("tags") or []})
        self.organizations = [o["name"] for o in demo["organizations"]]
        self.agencies = [o["title"] for o in demo["organizations"]]
        self.aliases = [a for o in demo["organizations"]
                        for a in ((o.get("fields") or {}).get("alias") or "").split("、") if a]

    def chinese(self) -> str:
        rng = self.rng
        return rng.choice([
            lambda: rng.choice(SUBJECTS)[0],
            lambda: rng.choice(PLACES),
            lambda: rng.choice(SUFFIXES)[0],
            lambda: rng.choice([t for t in TAGS if not t.isascii()]),
            lambda: rng.choice(self.demo_tags),
            lambda: rng.choice(self.agencies),
            lambda: rng.choice(self.aliases),
            lambda: _piece(rng, rng.choice(self.demo_titles)),
        ])()

    def english(self) -> str:
        rng = self.rng
        return rng.choice([
            lambda: rng.choice(rng.choice(SUBJECTS)[1].split()),
            lambda: rng.choice(SUBJECTS)[1],
            lambda: rng.choice([s for _, s in SUFFIXES if s]),
            lambda: rng.choice([t for t in TAGS if t.isascii()]),
            lambda: rng.choice(["routes", "Routes", "QUALITY", "registered", "schools",
                                "monthly", "District", "data", "the"]),
        ])()

    def word(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.55:
            return self.chinese()
        if roll < 0.95:
            return self.english()
        return rng.choice(ABSENT)

    def tag(self) -> str:
        return self.rng.choice(TAGS + self.demo_tags[:20])

    def format(self) -> str:
        return self.rng.choice(list(FORMATS) + ["CSV", "CSV"])


def _piece(rng: random.Random, title: str) -> str:
    """Two to four characters of a Chinese title, or the whole of a Latin one's word."""
    han = [c for c in title if "\u4e00" <= c <= "\u9fff"]
    if len(han) < 2:
        return rng.choice(title.split()) if title.split() else title
    start = rng.randrange(0, max(1, len(title) - 1))
    for length in (4, 3, 2):
        piece = title[start:start + length]
        if len(piece) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in piece):
            return piece
    return "".join(han[:2])


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _quoted(value: str) -> str:
    return f'"{_escape(value)}"'


DATE_FIELDS = ("metadata_modified", "metadata_created")
DATE_MATH = ["NOW-1YEAR", "NOW-6MONTHS", "NOW-30DAYS", "NOW/DAY-90DAYS", "NOW/YEAR",
             "NOW/MONTH-2MONTHS", "NOW-3YEARS", "NOW-2YEARS/DAY", "2024-01-01T00:00:00Z",
             "2025-06-15T12:00:00Z", "2023-01-01T00:00:00Z+6MONTHS"]
#: release dates are days (midnight): only bounds rounded to a day, so that no
#: bound is ever within minutes of a value
RELEASE_MATH = ["NOW/DAY-1YEAR", "NOW/DAY-3YEARS", "NOW/MONTH-18MONTHS", "2020-01-01T00:00:00Z",
                "2022-07-01T00:00:00Z", "2024-03-15T00:00:00Z", "2019-12-31T00:00:00Z+1DAY"]
FACET_FIELDS = ["organization", "groups", "tags", "res_format", "license_id", "open_tier",
                "subject_category", "update_frequency", "num_resources", "data_grade"]
SORT_FIELDS = ["name", "title_string", "metadata_modified", "metadata_created",
               "release_date", "license_id", "num_resources", "organization",
               "resources_accessed_total"]
UNIQUE_SORT_FIELDS = ("name", "metadata_modified", "metadata_created", "id")


def _range(rng: random.Random) -> str:
    roll = rng.random()
    open_ = rng.choice("[{")
    close = rng.choice("]}")
    if roll < 0.45:
        field = rng.choice(DATE_FIELDS)
        low, high = sorted(rng.sample(DATE_MATH, 2), key=lambda x: x.startswith("NOW"))
        bounds = rng.choice([(low, high), ("*", high), (low, "*"), (low, "NOW")])
    elif roll < 0.75:
        field = "release_date"
        bounds = rng.choice([tuple(rng.sample(RELEASE_MATH, 2)), ("*", rng.choice(RELEASE_MATH)),
                             (rng.choice(RELEASE_MATH), "*")])
    elif roll < 0.9:
        field = rng.choice(["num_resources", "num_tags"])
        low = rng.randint(0, 3)
        high = str(low + rng.randint(0, 2))
        bounds = rng.choice([(str(low), "*"), ("*", str(low)), (str(low), high)])
    else:
        field = rng.choice(["name", "license_id", "title_string"])
        low, high = sorted(rng.sample(["a", "bus", "gen-100", "gen-200", "other", "s", "z"], 2))
        bounds = (low, high)
    return f"{field}:{open_}{bounds[0]} TO {bounds[1]}{close}"


def _boolean(vocab: _Vocabulary) -> str:
    rng = vocab.rng
    a, b, c = vocab.word(), vocab.word(), vocab.word()
    return rng.choice([
        f"{a} OR {b}", f"{a} AND {b}", f"{a} NOT {b}", f"({a} OR {b}) AND {c}",
        f"{a} -{b}", f"+{a} +{b}", f"{a} && {b}", f"{a} || {b}", f"{a} OR {b} OR {c}",
        f"({a} OR {b}) NOT {c}", f"NOT {a}",
    ]) if " " not in a + b + c else f"{a.split()[0]} OR {b.split()[0]}"


def _fielded(vocab: _Vocabulary) -> str:
    rng = vocab.rng
    return rng.choice([
        lambda: f"tags:{_quoted(vocab.tag())}",
        lambda: f"organization:{rng.choice(vocab.organizations)}",
        lambda: f"res_format:{vocab.format()}",
        lambda: f"title:{vocab.word().split()[0]}",
        lambda: f"notes:{vocab.word().split()[0]}",
        lambda: f"title:{_quoted(vocab.chinese())}",
        lambda: f"license_id:{rng.choice(LICENSES)}",
        lambda: f"groups:{rng.choice(GROUPS)}",
        lambda: f"open_tier:{rng.choice(['unconditional', 'conditional', 'closed'])}",
        lambda: f"tags:{_quoted(vocab.tag())} AND res_format:{vocab.format()}",
        lambda: f"organization:{rng.choice(vocab.organizations)} -res_format:CSV",
        lambda: f"title:({vocab.word().split()[0]} OR {vocab.word().split()[0]})",
        lambda: f"name:gen-{rng.randint(0, GENERATED - 1):03d}-*",
        lambda: f"res_name:{vocab.chinese()}",
        lambda: f"text:{vocab.word().split()[0]}",
        lambda: f"subject_category:{rng.choice(SUBJECT_CATEGORIES)}"
                f" OR update_frequency:{rng.choice(FREQUENCIES)}",
        lambda: f"maintainer:{rng.choice(PEOPLE).split()[0]}",
        # unstemmed text fields, and fields not copied into ``text``
        lambda: f"res_name:{rng.choice(['statistics', 'Statistical', 'report', 'CSV', 'stops'])}",
        lambda: f"res_description:{rng.choice(['row', 'rows', 'UTF', '编码'])}",
        lambda: f"urls:{rng.choice(['csv', 'gen', 'example', 'city', 'daily', 'json'])}",
        lambda: f"maintainer_email:{rng.choice(['govshare', 'example', 'data'])}",
    ])()


def _filter(vocab: _Vocabulary) -> str:
    rng = vocab.rng
    return rng.choice([
        lambda: f"organization:{rng.choice(vocab.organizations)}",
        lambda: f"+tags:{_quoted(vocab.tag())}",
        lambda: f"-res_format:{vocab.format()}",
        lambda: f"groups:{rng.choice(GROUPS)} OR groups:{rng.choice(GROUPS)}",
        lambda: f"license_id:{rng.choice(LICENSES)}",
        lambda: f"+open_tier:{rng.choice(['unconditional', 'conditional'])}"
                f" +organization:{rng.choice(vocab.organizations)}",
        lambda: _range(rng),
        lambda: f"res_format:({vocab.format()} OR {vocab.format()})",
        lambda: "-groups:*",
        lambda: f"capacity:{rng.choice(['public', 'private'])}",
    ])()


def _wildcard(vocab: _Vocabulary) -> str:
    rng = vocab.rng
    return rng.choice([
        lambda: f"name:{rng.choice(NAME_PREFIXES)}*",
        lambda: f"title:{rng.choice(TEXT_PREFIXES)}*",
        lambda: f"notes:{rng.choice(TEXT_PREFIXES)}*",
        lambda: f"res_format:{rng.choice(['*SON', 'G*', 'X?SX', '?SV', 'P*'])}",
        lambda: f"tags:{rng.choice(['公*', '交*', 'trans*', '*质量', 'a*'])}",
        lambda: f"{rng.choice(['groups', 'tags', 'author', 'res_description'])}:*",
        lambda: f"-{rng.choice(['groups', 'tags'])}:*",
        lambda: f"license_id:{rng.choice(['cc-*', 'odc-*', 'other-*'])}",
        lambda: "*:*",
    ])()


def queries(demo: dict[str, Any], seed: int = SEED) -> list[Query]:
    """Every question of the test, PER_KIND or more of each kind, MIN_QUERIES in all."""
    rng = random.Random(seed + 2)
    vocab = _Vocabulary(demo, rng)
    made: list[Query] = []

    def rows() -> int:
        return rng.choice([10, 10, 20, 5])

    per_kind = max(PER_KIND, -(-MIN_QUERIES // len(KINDS)))
    for _ in range(per_kind + 20):
        made.append(_query("word", rng, q=vocab.word(), rows=rows()))
        made.append(_query("words", rng, rows=rows(), q=" ".join(
            vocab.word() for _ in range(rng.choice([2, 2, 3])))))
        phrase = rng.choice([vocab.chinese(), rng.choice(SUBJECTS)[1], _piece(
            rng, rng.choice(vocab.demo_titles)), f"{rng.choice(PLACES_EN)}"])
        made.append(_query("phrase", rng, q=_quoted(phrase), rows=rows()))
        made.append(_query("boolean", rng, q=_boolean(vocab), rows=rows()))
        made.append(_query("fielded", rng, q=_fielded(vocab), rows=rows()))
        made.append(_query("filter", rng, q=rng.choice(["", "*:*", vocab.word()]),
                           fq=_filter(vocab), rows=rows()))
        made.append(_query("range", rng, q=rng.choice([_range(rng), "*:*"]),
                           fq=rng.choice(["", "", _range(rng)]), rows=rows(),
                           sort=rng.choice(["", "metadata_modified desc", "name asc"])))
        made.append(_query("wildcard", rng, q=_wildcard(vocab), rows=rows()))
        fields = rng.sample(FACET_FIELDS, rng.randint(1, 4))
        made.append(_query(
            "facet", rng, q=rng.choice(["", vocab.word(), _fielded(vocab)]),
            fq=rng.choice(["", "", _filter(vocab)]), rows=rng.choice([0, 5]),
            **{"facet.field": json.dumps(fields), "facet.limit": rng.choice([-1, 1, 3, 5, 10, 50]),
               "facet.mincount": rng.choice([1, 1, 2, 3, 5])}))
        keys = rng.sample(SORT_FIELDS, rng.randint(1, 2))
        sort = ", ".join(f"{k} {rng.choice(['asc', 'desc'])}" for k in keys)
        if keys[-1] not in UNIQUE_SORT_FIELDS:
            sort += f", {rng.choice(['name', 'id'])} {rng.choice(['asc', 'desc'])}"
        made.append(_query("sort", rng, q=rng.choice(["", "", vocab.word(), _fielded(vocab)]),
                           fq=rng.choice(["", _filter(vocab)]), sort=sort,
                           rows=rng.choice([5, 10, 25]), start=rng.choice([0, 0, 5, 10, 30])))
    unique = list(dict.fromkeys(made))
    return unique


# ---------------------------------------------------------------- answers
@dataclasses.dataclass(frozen=True)
class Answer:
    count: int
    names: tuple[str, ...]
    #: field -> ((value, count), ...) in the order given
    facets: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    error: str | None = None
    corrected_q: str | None = None

    @classmethod
    def of(cls, result: dict[str, Any]) -> Answer:
        facets = tuple(sorted((field, tuple(values.items()))
                              for field, values in (result.get("facets") or {}).items()))
        return cls(result["count"], tuple(r["name"] for r in result["results"]), facets,
                   corrected_q=result.get("corrected_q"))

    @classmethod
    def failed(cls, error: Exception) -> Answer:
        return cls(-1, (), (), error=type(error).__name__)


def overlap_at_10(a: Answer, b: Answer) -> float | None:
    """The share of the first ten results the engines have in common (of the
    longer of the two lists); None when neither found anything."""
    top_a, top_b = set(a.names[:10]), set(b.names[:10])
    if not top_a and not top_b:
        return None
    return len(top_a & top_b) / max(len(top_a), len(top_b))


@dataclasses.dataclass(frozen=True)
class Difference:
    query: Query
    aspect: str  # "error", "count", "facets" or "order"
    embedded: Any
    solr: Any

    def __str__(self) -> str:
        return f"{self.aspect:<6} {self.query}\n         embedded: {self.embedded}\n" \
               f"         solr:     {self.solr}"


def differences(query: Query, embedded: Answer, solr: Answer,
                default_sort: str) -> list[Difference]:
    """What must be equal and is not: an error on one side only, the hit count,
    the facet counts, and the order of a query sorted on fields."""
    if embedded.error or solr.error:
        if embedded.error and solr.error:
            return []
        return [Difference(query, "error", embedded.error, solr.error)]
    found = []
    if embedded.count != solr.count:
        found.append(Difference(query, "count", embedded.count, solr.count))
    if embedded.facets != solr.facets:
        found.append(Difference(query, "facets", _facet_changes(embedded, solr, 1),
                                _facet_changes(embedded, solr, 2)))
    if not query.ranked(default_sort) and embedded.names != solr.names:
        found.append(Difference(query, "order", embedded.names, solr.names))
    return found


def _facet_changes(embedded: Answer, solr: Answer, side: int) -> dict[str, Any]:
    a, b = dict(embedded.facets), dict(solr.facets)
    changed = {f for f in set(a) | set(b) if a.get(f) != b.get(f)}
    mine = a if side == 1 else b
    return {f: mine.get(f) for f in sorted(changed)}


def distribution(values: Iterable[float]) -> dict[str, Any]:
    """Mean, quartiles and a histogram (tenths) of overlap@10 values."""
    values = sorted(values)
    if not values:
        return {"n": 0}
    # tenths: 0.0 holds [0, 0.1), …, 0.9 holds [0.9, 1.0); 1.0 on its own
    histogram = Counter(int(v * 10) / 10 for v in values)
    quartiles = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return {"n": len(values), "mean": round(statistics.fmean(values), 3),
            "min": values[0], "q1": quartiles[0], "median": quartiles[1], "q3": quartiles[2],
            "share_1.0": round(sum(v == 1.0 for v in values) / len(values), 3),
            "histogram": {f"{k:.1f}": histogram[k] for k in sorted(histogram)}}
