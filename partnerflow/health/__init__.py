"""Partner health against attrition: who left and why, measured by the database; training and
certification records (more to come: health per partner with drivers mapped to the six causes,
the anonymous survey, actions)."""

from partnerflow.health.attrition import AttritionPeriod, AttritionRow, attrition, attrition_trend
from partnerflow.health.training import Expiring, TrainingImport, expiring, import_training

__all__ = [
    "AttritionPeriod",
    "AttritionRow",
    "Expiring",
    "TrainingImport",
    "attrition",
    "attrition_trend",
    "expiring",
    "import_training",
]
