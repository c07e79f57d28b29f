"""Discount campaigns: request, cross-functional sign-off, eligible partners, offers."""
