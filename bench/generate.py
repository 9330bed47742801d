"""Synthetic catalog for benchmarks: N datasets written straight into CKAN's tables.

Creating 100,000 datasets through ``package_create`` would take hours; the
benchmarks measure search and display, so the rows are written with COPY in
the shape CKAN itself writes them (package, resource, tag, package_tag,
organizations in "group"). Deterministic for a given seed.
"""
from __future__ import annotations

import datetime
import io
import random
import uuid

AGENCIES = [
    "交通运输局", "生态环境局", "市场监督管理局", "统计局", "卫生健康委员会", "自然资源局",
    "教育局", "公安局", "民政局", "财政局", "人力资源和社会保障局", "住房和城乡建设局",
    "水务局", "农业农村局", "商务局", "文化和旅游局", "应急管理局", "税务局", "气象局",
    "城市管理局", "发展和改革委员会", "工业和信息化局", "司法局", "审计局", "体育局",
    "医疗保障局", "林业局", "退役军人事务局", "政务服务数据管理局", "规划局",
]
DISTRICTS = ["全市", "东城区", "西城区", "南山区", "北湖区", "高新区", "经开区", "滨江区",
             "临港新区", "老城区"]
TOPICS = [
    "公交线路", "公交站点", "道路客运", "出租汽车", "停车场", "交通流量", "空气质量", "地表水水质",
    "噪声监测", "污染源", "企业登记", "个体工商户", "食品抽检", "药品经营", "特种设备", "人口统计",
    "国民经济", "居民收入", "医疗机构", "执业医师",
    "疫苗接种", "土地利用", "不动产登记", "矿产资源",
    "学校名录", "招生计划", "社会组织", "养老机构", "婚姻登记", "财政预算", "政府采购", "社保参保",
    "就业岗位", "建筑工程", "保障性住房", "供水管网",
    "防汛设施", "农产品价格", "农业补贴", "外贸进出口",
    "旅游景区", "文物保护", "应急避难场所", "安全生产",
    "纳税信用", "气象观测", "降水量", "城管执法",
    "项目审批", "工业园区", "法律援助", "体育场馆",
    "医保定点", "森林资源", "政务服务事项", "规划许可",
]
KINDS = ["数据", "信息", "名录", "统计表", "月报", "年报", "日报", "清单", "目录", "明细"]
PHRASES = [
    "本数据集由{agency}按月更新", "包含{district}范围内的{topic}明细", "数据已按规定完成脱敏处理",
    "字段包括名称、地址、经纬度和更新时间",
    "可用于城市规划与公共服务研究", "数据来源于业务系统汇聚",
    "统计口径依据国家标准", "部分字段依申请开放", "覆盖{year}年以来的记录", "坐标系为 CGCS2000",
]
EN_TOPICS = ["Bus routes", "Bus stops", "Air quality", "Water quality", "Business registry",
             "Hospitals", "Schools", "Land use", "Budget", "Weather observations",
             "Parking lots", "Traffic flow", "Food inspections", "Population", "Tourism sites"]
EN_KINDS = ["daily report", "register", "statistics", "open data", "monthly report", "list"]
EN_WORDS = ["city", "district", "annual", "public", "records", "transport", "environment",
            "health", "economy", "services", "monitoring", "stations", "network", "open",
            "survey", "inspection", "permits", "index", "map", "dataset"]
FORMATS = ["CSV", "CSV", "CSV", "JSON", "JSON", "XLSX", "XML", "API", "GeoJSON", "PDF"]
LICENSES = ["cc-by", "odc-by", "other-open", "cc-zero"]


def tag_vocabulary(rng: random.Random, size: int = 500) -> list[str]:
    words = set(TOPICS) | {t[:2] for t in TOPICS} | set(KINDS) | {a[:-1] for a in AGENCIES}
    words |= {w for w in EN_WORDS} | {t.lower().replace(" ", "-") for t in EN_TOPICS}
    words = sorted(w for w in words if len(w) >= 2)
    while len(words) < size:
        words.append(f"{rng.choice(TOPICS)[:2]}{rng.choice(KINDS)}{len(words)}")
    return words[:size]


def _copy(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_cell(v) for v in row) + "\n")
    buffer.seek(0)
    cursor.copy_expert(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN', buffer)


def _cell(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def generate(conn, count: int, seed: int = 20261121, progress=print) -> None:
    """Add datasets until the catalog holds ``count`` synthetic ones."""
    rng = random.Random(seed)
    cursor = conn.cursor()
    cursor.execute("SELECT count(*) FROM package WHERE name LIKE 'bench-%%'")
    existing = cursor.fetchone()[0]
    if existing >= count:
        progress(f"catalog already holds {existing} synthetic datasets")
        _publish(conn, progress)
        return
    cursor.execute("SELECT id FROM \"user\" WHERE sysadmin LIMIT 1")
    row = cursor.fetchone()
    creator = row[0] if row else None
    now = datetime.datetime(2026, 11, 1)
    orgs = []
    for i, agency in enumerate(AGENCIES):
        org_id = str(uuid.UUID(int=rng.getrandbits(128)))
        orgs.append((org_id, f"bench-org-{i:02d}", f"市{agency}"))
    cursor.execute("SELECT name FROM \"group\" WHERE name LIKE 'bench-org-%%'")
    if not cursor.fetchall():
        _copy(cursor, "group", ["id", "name", "title", "description", "created", "state",
                                "type", "approval_status", "is_organization", "image_url"],
              [(o[0], o[1], o[2], f"{o[2]}公开的数据", now, "active", "organization",
                "approved", True, "") for o in orgs])
    cursor.execute("SELECT id, name FROM \"group\" WHERE name LIKE 'bench-org-%%' ORDER BY name")
    orgs = [(r[0], r[1], AGENCIES[int(r[1][-2:])]) for r in cursor.fetchall()]
    tags = tag_vocabulary(rng)
    cursor.execute("SELECT id, name FROM tag WHERE name = ANY(%s)", (tags,))
    tag_ids = dict((name, id_) for id_, name in cursor.fetchall())
    missing = [t for t in tags if t not in tag_ids]
    new_tags = [(str(uuid.UUID(int=rng.getrandbits(128))), t) for t in missing]
    if new_tags:
        _copy(cursor, "tag", ["id", "name"], new_tags)
    tag_ids.update({name: id_ for id_, name in new_tags})
    # Zipf-like popularity: a few tags are on many datasets
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(tags))]
    batch = 5000
    rng.seed(seed + existing)
    for start in range(existing, count, batch):
        packages, resources, package_tags = [], [], []
        for n in range(start, min(count, start + batch)):
            org_id, _org_name, agency = orgs[rng.randrange(len(orgs))]
            created = now - datetime.timedelta(days=rng.randrange(1, 1100),
                                               seconds=rng.randrange(86400))
            modified = created + datetime.timedelta(days=rng.randrange(0, 300))
            english = rng.random() < 0.15
            district = rng.choice(DISTRICTS)
            topic = rng.choice(TOPICS)
            if english:
                title = f"{rng.choice(EN_TOPICS)} {rng.choice(EN_KINDS)} {n}"
                notes = " ".join(rng.choice(EN_WORDS) for _ in range(rng.randrange(12, 40)))
            else:
                title = f"{district}{topic}{rng.choice(KINDS)}（{n}）"
                notes = "，".join(p.format(agency=agency, district=district, topic=topic,
                                          year=rng.randrange(2010, 2026))
                                 for p in rng.sample(PHRASES, rng.randrange(2, 6))) + "。"
            package_id = str(uuid.UUID(int=rng.getrandbits(128)))
            packages.append((package_id, f"bench-{n:06d}", title, notes, "active",
                             rng.choice(LICENSES), "dataset", org_id, rng.random() < 0.05,
                             modified, created, creator, f"{agency}数据管理员", None, "1.0"))
            for position in range(rng.randrange(1, 4)):
                fmt = rng.choice(FORMATS)
                resources.append((str(uuid.UUID(int=rng.getrandbits(128))), package_id,
                                  f"http://data.example.gov.cn/files/{package_id}/{position}."
                                  f"{fmt.lower()}", fmt, f"{topic}{fmt}文件", position,
                                  "active", created, modified, "{}"))
            for tag in set(rng.choices(tags, weights, k=rng.randrange(2, 7))):
                package_tags.append((str(uuid.UUID(int=rng.getrandbits(128))), package_id,
                                     tag_ids[tag], "active"))
        _copy(cursor, "package", ["id", "name", "title", "notes", "state", "license_id", "type",
                                  "owner_org", "private", "metadata_modified",
                                  "metadata_created", "creator_user_id", "maintainer",
                                  "url", "version"], packages)
        _copy(cursor, "resource", ["id", "package_id", "url", "format", "name", "position",
                                   "state", "created", "metadata_modified", "extras"],
              resources)
        _copy(cursor, "package_tag", ["id", "package_id", "tag_id", "state"], package_tags)
        conn.commit()
        progress(f"generated {min(count, start + batch)}/{count} datasets")
    cursor.close()
    _publish(conn, progress)


def _publish(conn, progress) -> None:
    """Every synthetic dataset published, as on a site whose catalog is open
    (catalogs generated before publication review get their rows here)."""
    with conn.cursor() as cursor:
        cursor.execute(
            "INSERT INTO govshare_publication (package_id, owner_org, state, decided_at)"
            " SELECT p.id, p.owner_org, 'published', p.metadata_created FROM package p"
            " WHERE p.name LIKE 'bench-%%' AND NOT EXISTS (SELECT 1 FROM"
            " govshare_publication g WHERE g.package_id = p.id)")
        if cursor.rowcount:
            progress(f"published {cursor.rowcount} synthetic datasets")
    conn.commit()
