"""Share tables for the demo population: industries, towns, risk classes, grades."""

import numpy as np

from models.vocab import INDUSTRIES, RISK_COLORS, STANDARDIZATION

INDUSTRY_CODES = tuple(INDUSTRIES)
STD_CODES = tuple(STANDARDIZATION)  # level1, level2, level3, small_micro, none
RISK_CODES = tuple(RISK_COLORS)  # red, orange, yellow, blue

# fmt: off
# Chain leaders' industries (36 in all) and what their suppliers make.
CHAIN_TYPES = {
    "footwear_apparel": 18, "food": 6, "building_materials": 5, "paper": 4, "umbrella": 2,
    "machinery": 1,
}
SUPPLIER_MIX = {
    "footwear_apparel": {
        "footwear_apparel": 0.50, "textile_dyeing": 0.18, "packaging_printing": 0.10,
        "machinery": 0.06, "logistics": 0.07, "hazardous_chemicals": 0.04, "other": 0.05,
    },
    "food": {
        "food": 0.55, "packaging_printing": 0.20, "paper": 0.08, "logistics": 0.12,
        "other": 0.05,
    },
    "building_materials": {
        "building_materials": 0.60, "machinery": 0.20, "logistics": 0.12,
        "hazardous_chemicals": 0.03, "other": 0.05,
    },
    "paper": {
        "paper": 0.45, "textile_dyeing": 0.15, "packaging_printing": 0.20,
        "hazardous_chemicals": 0.05, "logistics": 0.10, "other": 0.05,
    },
    "umbrella": {
        "umbrella": 0.55, "textile_dyeing": 0.20, "machinery": 0.15, "packaging_printing": 0.10,
    },
    "machinery": {"machinery": 0.70, "logistics": 0.10, "other": 0.20},
}
# Never-linked enterprises; hazardous chemicals come to about 421 of 25,000 at bench scale.
CITY_MIX = {
    "footwear_apparel": 0.26, "textile_dyeing": 0.09, "food": 0.07, "building_materials": 0.08,
    "paper": 0.04, "umbrella": 0.04, "machinery": 0.12, "hazardous_chemicals": 0.015,
    "logistics": 0.07, "packaging_printing": 0.07, "other": 0.145,
}
# Town weights in models.vocab.TOWNS order (six streets, then the towns), boosted by trade.
TOWN_BASE = np.array([0.6] * 6 + [2.0, 1.2, 1.5, 1.3] + [1.0] * 9)
TOWN_BOOST = {
    "footwear_apparel": {"陈埭镇": 4.0, "池店镇": 1.5, "内坑镇": 1.5, "西滨镇": 1.5},
    "textile_dyeing": {"龙湖镇": 3.0, "英林镇": 3.0, "深沪镇": 3.0},
    "building_materials": {"磁灶镇": 8.0, "内坑镇": 3.0},
    "umbrella": {"东石镇": 10.0},
    "paper": {"安海镇": 2.0},
    "food": {"安海镇": 2.0, "池店镇": 2.0},
}
# Four-colour shares (red, orange, yellow, blue) by industry group.
RISK_MIX = {
    "hazardous_chemicals": (0.35, 0.45, 0.20, 0.0),
    "heavy": (0.05, 0.25, 0.45, 0.25),
    "light": (0.02, 0.12, 0.40, 0.46),
}
HEAVY = ("building_materials", "machinery", "textile_dyeing", "logistics")
# Standardization shares (level1, level2, level3, small_micro, none) by size band.
STD_MIX = {
    "large": (0.08, 0.40, 0.40, 0.0, 0.12),
    "mid": (0.01, 0.12, 0.45, 0.30, 0.12),
    "small": (0.0, 0.02, 0.15, 0.68, 0.15),
}
# fmt: on
