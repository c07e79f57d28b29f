"""The programme's reference data, in and out: the vendor's people with their roles and the
départements they look after, and the partners with their contacts and bank details. What an
operator loads on a real install instead of the demo's seed."""
