"""Annual reseller rebalancing: lead KPIs, classification by policy, coverage per département."""
