"""Word lists for the demo: fictional company names and record descriptions (all invented)."""

# fmt: off
# Two-character trade names for the 36 fictional chain leaders (one each, never reused).
LEADER_BRANDS = tuple(
    "恒泰 鸿运 锦程 宏远 凯达 华盛 永信 嘉禾 新峰 金狮 泰昌 信达 豪胜 瑞丰 万利 兴业 丰源 飞跃 "
    "星辰 凌云 腾达 汇通 久安 昌盛 天成 海峰 长青 福源 晋润 顺欣 益康 帆洋 雅德 康盛 润泽 启航"
    .split()
)

# What a leader of each industry calls itself in its group name.
LEADER_TRADES = {
    "footwear_apparel": "体育用品", "food": "食品", "building_materials": "陶瓷",
    "paper": "卫生用品", "umbrella": "伞业", "machinery": "机械",
}

# Two-character words for supplier names (combined with town and trade).
NAME_WORDS = tuple(
    "鸿达 恒信 金源 华泰 永兴 盛发 嘉利 锦华 宏盛 鑫源 祥和 裕丰 荣昌 明辉 建新 隆鑫 协和 众诚 "
    "振兴 顺达 益丰 佳美 联胜 广源 东升 新兴 富华 瑞祥 德信 恒丰 志成 安达 通达 华丰 俊达 源兴 "
    "旺发 金辉 美华 盛源 友谊 协丰 正大 利民 和兴 嘉鸿 创新 远航"
    .split()
)

INDUSTRY_WORDS = {
    "footwear_apparel": ("鞋业", "鞋材", "服装", "制衣", "鞋塑", "服饰", "体育用品"),
    "textile_dyeing": ("纺织", "染整", "织造", "印染", "化纤"),
    "food": ("食品", "饮料", "糖果", "饼业"),
    "building_materials": ("陶瓷", "建材", "石材", "瓷业"),
    "paper": ("纸业", "卫生用品", "纸品"),
    "umbrella": ("伞业", "雨具"),
    "machinery": ("机械", "五金", "模具", "机电"),
    "hazardous_chemicals": ("化工", "胶粘剂", "涂料", "新材料"),
    "logistics": ("物流", "货运", "仓储"),
    "packaging_printing": ("包装", "印刷", "彩印", "纸箱"),
    "other": ("实业", "贸易", "电子", "科技"),
}

ACCIDENT_TEXT = {
    "minor": (
        "员工操作冲压设备时手指轻微挤伤", "搬运物料时扭伤腰部", "车间地面湿滑致员工摔伤",
        "使用裁断机时手部划伤", "叉车作业时员工脚部被轻度碾压", "热压机操作时手臂轻度烫伤",
    ),
    "serious": (
        "员工被输送带卷入致手臂骨折", "高处作业未系安全带坠落致腿部骨折",
        "叉车倒车撞伤员工致多处骨折", "化学品溅出致员工眼部灼伤",
        "设备检修未断电致员工手部严重受伤",
    ),
    "fatal": (
        "有限空间作业未经审批致员工中毒死亡", "员工高处坠落经抢救无效死亡",
        "机械伤害致员工死亡", "仓库货物坍塌致员工死亡",
    ),
}

HAZARD_TEXT = {
    "general": (
        "消防通道堆放杂物", "灭火器过期未更换", "配电箱未设置接地保护", "安全出口指示灯损坏",
        "机械防护罩缺失", "员工未按规定佩戴劳动防护用品", "电线私拉乱接", "粉尘清扫不及时",
        "安全警示标志缺失", "应急照明失效", "化学品标签不清", "特种作业人员证件过期",
    ),
    "major": (
        "生产车间与员工宿舍设在同一建筑内（三合一）", "可燃粉尘除尘系统未设置防爆装置",
        "危险化学品超量储存且未设防火分隔", "特种设备未经检验投入使用",
        "有限空间作业未落实审批与监护",
    ),
}
# fmt: on

AUTHORITIES = ("应急管理局", "消防救援大队")
