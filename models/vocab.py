"""The platform's vocabulary: enumerations with their Chinese and English labels.

Codes are what the database and the API store; labels are what people read and what
spreadsheets may contain. Intake accepts any of the three spellings (code, Chinese, English).
"""

INDUSTRIES = {
    "footwear_apparel": ("鞋服", "Footwear and apparel"),
    "textile_dyeing": ("纺织印染", "Textile and dyeing"),
    "food": ("食品", "Food"),
    "building_materials": ("建材陶瓷", "Building materials and ceramics"),
    "paper": ("纸制品", "Paper and hygiene products"),
    "umbrella": ("伞业", "Umbrellas"),
    "machinery": ("机械五金", "Machinery and hardware"),
    "hazardous_chemicals": ("危险化学品", "Hazardous chemicals"),
    "logistics": ("物流", "Logistics"),
    "packaging_printing": ("包装印刷", "Packaging and printing"),
    "other": ("其他", "Other"),
}

TOWNS = (
    "青阳街道",
    "梅岭街道",
    "西园街道",
    "罗山街道",
    "灵源街道",
    "新塘街道",
    "陈埭镇",
    "池店镇",
    "安海镇",
    "磁灶镇",
    "内坑镇",
    "紫帽镇",
    "东石镇",
    "永和镇",
    "英林镇",
    "金井镇",
    "龙湖镇",
    "深沪镇",
    "西滨镇",
)

STANDARDIZATION = {
    "level1": ("一级", "Level 1"),
    "level2": ("二级", "Level 2"),
    "level3": ("三级", "Level 3"),
    "small_micro": ("小微", "Small-micro"),
    "none": ("无", "None"),
}

RISK_COLORS = {
    "red": ("红", "Red"),
    "orange": ("橙", "Orange"),
    "yellow": ("黄", "Yellow"),
    "blue": ("蓝", "Blue"),
}

SEVERITIES = {
    "minor": ("轻伤", "Minor injury"),
    "serious": ("重伤", "Serious injury"),
    "fatal": ("死亡", "Fatality"),
}

ACCIDENT_SOURCES = {
    "self_report": ("企业自报", "Self-report"),
    "bureau": ("应急管理局", "Bureau"),
    "insurance": ("保险", "Insurance"),
}

OUTCOMES = {
    "none": ("无问题", "None"),
    "rectify": ("责令限期整改", "Order to rectify"),
    "warning": ("警告", "Warning"),
    "fine": ("罚款", "Fine"),
    "suspension": ("责令停产停业整顿", "Suspension"),
    "referral": ("移送司法", "Criminal referral"),
}

# Outcomes that count as an enforcement case (API.md, metric definitions).
ENFORCEMENT_OUTCOMES = ("warning", "fine", "suspension", "referral")

HAZARD_SOURCES = {
    "self_check": ("自查", "Self-check"),
    "inspection": ("执法检查", "Inspection"),
    "steward": ("安全管家", "Safety steward"),
    "chain_audit": ("链主审核", "Chain audit"),
}

HAZARD_LEVELS = {
    "general": ("一般", "General"),
    "major": ("重大", "Major"),
}

ROLES = {
    "bureau": ("应急管理局", "Bureau analyst"),
    "chain": ("链主采购", "Chain leader"),
    "sme": ("中小企业主", "SME owner"),
}

GRADE_COLORS = {"A": "blue", "B": "yellow", "C": "orange", "D": "red"}
