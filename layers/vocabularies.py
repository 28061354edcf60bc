"""Vocabularies of the policy (POLICY.md), in display order. Codes are stored; labels are shown."""

from __future__ import annotations

from geo.vocab import Term, Vocabulary

T = Term

# Repair status, in order of progress. Roads pass through both 抢通 steps; other layers may skip them.
STATUS = Vocabulary("status", [
    T("assess", "待评估", "To assess"),
    T("not_started", "未开工", "Not started"),
    T("opening", "抢通中", "Reopening"),
    T("opened", "已抢通", "Reopened"),
    T("repairing", "修复中", "Repairing"),
    T("done", "已完工", "Completed"),
    T("accepted", "已验收", "Accepted"),
])
OPEN_STATUSES = ("assess", "not_started", "opening", "opened", "repairing")  # work remains
FINISHED_STATUSES = ("done", "accepted")
# A road is impassable until it is reopened (抢通): these statuses leave it out of the road graph.
IMPASSABLE_STATUSES = ("assess", "not_started", "opening")

SEVERITY = Vocabulary("severity", [
    T("light", "轻度", "Light"),
    T("moderate", "中度", "Moderate"),
    T("severe", "重度", "Severe"),
    T("destroyed", "毁坏", "Destroyed"),
])

TOWNSHIP_KIND = Vocabulary("township kind", [T("zhen", "镇", "Town"), T("xiang", "乡", "Township")])

CATEGORY = Vocabulary("household category", [
    T("tuopin", "脱贫户", "Lifted out of poverty"),
    T("monitored", "监测对象", "Under monitoring"),
    T("dibao", "低保户", "Minimum living allowance"),
    T("tekun", "特困户", "Extreme poverty support"),
    T("general", "一般农户", "Other household"),
])

MONITOR_KIND = Vocabulary("monitoring kind", [
    T("unstable", "脱贫不稳定户", "Unstable after exiting poverty"),
    T("marginal", "边缘易致贫户", "Marginal, prone to poverty"),
    T("sudden", "突发严重困难户", "Sudden severe hardship"),
])

HOUSE_GRADE = Vocabulary("house safety grade", [
    T("A", "A级", "Grade A (safe)"),
    T("B", "B级", "Grade B (basically safe)"),
    T("C", "C级(局部危房)", "Grade C (partly dangerous)"),
    T("D", "D级(整栋危房)", "Grade D (whole house dangerous)"),
])

FLOOD_DAMAGE = Vocabulary("household flood damage", [
    T("none", "未受灾", "Not affected"),
    T("light", "轻度受灾", "Lightly affected"),
    T("moderate", "中度受灾", "Moderately affected"),
    T("severe", "严重受灾", "Severely affected"),
])

# 两不愁三保障 + 饮水安全: one risk flag each; a flagged item is a 风险点.
RISK_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("risk_food", "吃", "Food"),
    ("risk_clothing", "穿", "Clothing"),
    ("risk_education", "义务教育", "Compulsory education"),
    ("risk_medical", "基本医疗", "Basic medical care"),
    ("risk_housing", "住房安全", "Safe housing"),
    ("risk_water", "饮水安全", "Safe drinking water"),
)

ROAD_CLASS = Vocabulary("road class", [
    T("national", "国道", "National road"),
    T("provincial", "省道", "Provincial road"),
    T("county", "县道", "County road"),
    T("township", "乡道", "Township road"),
    T("village", "村道", "Village road"),
])

ROAD_STRUCTURE = Vocabulary("road structure", [
    T("road", "路段", "Road section"),
    T("bridge", "桥梁", "Bridge"),
    T("ford", "漫水路", "Low-water crossing"),
    T("culvert", "涵洞", "Culvert"),
])

ROAD_DAMAGE = Vocabulary("road damage type", [
    T("washout", "路基冲毁", "Subgrade washed out"),
    T("collapse", "路面塌陷", "Pavement collapse"),
    T("landslip", "边坡塌方", "Slope slip"),
    T("bridge", "桥梁损毁", "Bridge damaged"),
    T("culvert", "涵洞损毁", "Culvert damaged"),
    T("submerged", "积水漫路", "Submerged"),
    T("silt", "淤积", "Silt and debris"),
])

PASSABLE = Vocabulary("passable state", [
    T("blocked", "中断", "Blocked"),
    T("limited", "限行", "Restricted"),
    T("open", "通行", "Open"),
])

WATER_KIND = Vocabulary("water works kind", [
    T("plant", "水厂", "Water plant"),
    T("intake", "取水工程", "Intake works"),
    T("network", "输配水管网", "Transmission/distribution network"),
    T("pump", "灌溉泵站", "Irrigation pump station"),
    T("dyke", "堤防", "Dyke"),
])

USE = Vocabulary("use", [
    T("living", "生活", "Living"),
    T("production", "生产", "Production"),
    T("flood", "防洪", "Flood control"),
])

FILING = Vocabulary("filing state", [
    T("not_filed", "未备案", "Not filed"),
    T("filing", "备案中", "Filing"),
    T("filed", "已备案", "Filed"),
])

PV_DAMAGE = Vocabulary("PV damage kind", [
    T("modules", "组件损坏", "Modules damaged"),
    T("inverter", "逆变器损坏", "Inverter destroyed"),
    T("logger", "数据采集器损坏", "Data logger destroyed"),
    T("flooded", "仍被淹", "Still flooded"),
    T("soiled", "污渍杂物", "Mud and debris on panels"),
])

TELECOM_KIND = Vocabulary("telecom site kind", [
    T("base_station", "基站", "Base station"),
    T("machine_room", "局房", "Machine room"),
    T("duct", "管道", "Duct"),
])

SCHOOL_LEVEL = Vocabulary("school level", [
    T("kindergarten", "幼儿园", "Kindergarten"),
    T("primary", "小学", "Primary school"),
    T("junior", "初中", "Junior middle school"),
    T("nine_year", "九年一贯制", "Nine-year school"),
])

CLINIC_KIND = Vocabulary("clinic kind", [
    T("village", "村卫生室", "Village clinic"),
    T("township", "乡镇卫生院", "Township health centre"),
])

DEPTH_CLASS = Vocabulary("flood depth class", [
    T("lt05", "<0.5 m", "<0.5 m"),
    T("d05_1", "0.5–1 m", "0.5–1 m"),
    T("d1_2", "1–2 m", "1–2 m"),
    T("gt2", ">2 m", ">2 m"),
])

# --- the problem ledger (问题台账) ----------------------------------------------------------
# One problem per household risk point: the six 两不愁三保障 + 饮水 items, and 收入 (income loss,
# e.g. a damaged PV station or a lost job), which has no risk flag of its own.
PROBLEM_KIND = Vocabulary("problem kind", [
    T("food", "不愁吃", "Food"),
    T("clothing", "不愁穿", "Clothing"),
    T("education", "义务教育", "Compulsory education"),
    T("medical", "基本医疗", "Basic medical care"),
    T("housing", "住房安全", "Safe housing"),
    T("water", "饮水安全", "Safe drinking water"),
    T("income", "收入", "Income"),
])
# The household risk flag each kind keeps up to date (an open problem ⇔ a raised flag).
KIND_FLAG: dict[str, str] = {
    "food": "risk_food", "clothing": "risk_clothing", "education": "risk_education",
    "medical": "risk_medical", "housing": "risk_housing", "water": "risk_water",
}
# 三保障 (education, medical care, housing) and drinking water: the kinds cleared to zero (动态清零).
CLEARANCE_KINDS = ("education", "medical", "housing", "water")

# 待处理 → 处理中 → 待核实 → 已销号, or 不属实; the moves are data/ledger.toml's.
PROBLEM_STATE = Vocabulary("problem state", [
    T("open", "待处理", "Open"),
    T("in_progress", "处理中", "In progress"),
    T("to_verify", "待核实", "To verify"),
    T("closed", "已销号", "Closed (verified)"),
    T("unfounded", "不属实", "Unfounded"),
])
OPEN_PROBLEM_STATES = ("open", "in_progress", "to_verify")  # the household is still at risk

VERIFY_METHOD = Vocabulary("verification method", [
    T("visit", "入户核实", "Home visit"),
    T("phone", "电话", "Phone call"),
    T("papers", "材料", "Documents"),
])

RENOVATION = Vocabulary("renovation kind", [
    T("repair", "修缮", "Repair"),
    T("rebuild", "重建", "Rebuild"),
])
