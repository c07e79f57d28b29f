"""The fictional programme the demo, the benchmarks and ``partnerflow seed --demo`` write: a
partner network (départements, resellers, the vendor's people), a year of leads, and the
history partner health reads (registrations, reviews, commission, training). Nothing of the
product imports it but that command (an import contract keeps the processes off it)."""

from partnerflow.sample_data.history import seed_demo_history
from partnerflow.sample_data.network import SeedReport, insert_partners, seed_demo_leads, seed_demo_network

__all__ = ["SeedReport", "insert_partners", "seed_demo_history", "seed_demo_leads", "seed_demo_network"]
