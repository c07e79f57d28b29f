"""The programme's reference data, in and out: the vendor's people with their roles and the
départements they look after, and the partners with their contacts and bank details. What an
operator loads on a real install instead of the demo's seed."""

from partnerflow.reference_data.partners import export_partners, import_partners
from partnerflow.reference_data.people import deactivate, export_people, import_people

__all__ = ["deactivate", "export_partners", "export_people", "import_partners", "import_people"]
