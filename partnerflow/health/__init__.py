"""Partner health against attrition: who left and why, measured by the database (more to come:
health per partner with drivers mapped to the six causes, the anonymous survey, actions)."""

from partnerflow.health.attrition import AttritionPeriod, AttritionRow, attrition, attrition_trend

__all__ = ["AttritionPeriod", "AttritionRow", "attrition", "attrition_trend"]
