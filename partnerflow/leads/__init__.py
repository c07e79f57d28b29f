"""Lead distribution: leads taken in, routed to resellers by the lead_routing policy, worked
on the reseller's lead page, passed on when not accepted in time; the KPIs the rebalancing
judges are counted from these turns and events, or imported as history from another system;
a lead no reseller may take is its channel manager's decision (``handover``)."""

from partnerflow.leads import decisions as decisions  # declares its decisions to approvals
from partnerflow.leads.history_import import LeadFileError, import_lead_file
from partnerflow.leads.kpis import ResellerKpis, departement_leads, reseller_kpis

__all__ = ["LeadFileError", "ResellerKpis", "departement_leads", "import_lead_file", "reseller_kpis"]
