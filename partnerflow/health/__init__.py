"""Partner health against attrition: who left and why, measured by the database; each active
partner's health explained by drivers mapped to the six causes (the ``partner_health`` policy);
training and certification records."""

from partnerflow.health import decisions as decisions  # declares the network's decisions to approvals
from partnerflow.health.assessment import (
    LEVELS,
    FoundDriver,
    PartnerHealth,
    assess,
    assess_partners,
    causes_count,
    levels_count,
)
from partnerflow.health.attrition import AttritionPeriod, AttritionRow, attrition, attrition_trend
from partnerflow.health.facts import PartnerFacts, Window, health_facts
from partnerflow.health.training import Expiring, TrainingImport, expiring, import_training, training_of

__all__ = [
    "LEVELS",
    "AttritionPeriod",
    "AttritionRow",
    "Expiring",
    "FoundDriver",
    "PartnerFacts",
    "PartnerHealth",
    "TrainingImport",
    "Window",
    "assess",
    "assess_partners",
    "attrition",
    "attrition_trend",
    "causes_count",
    "expiring",
    "health_facts",
    "import_training",
    "levels_count",
    "training_of",
]
