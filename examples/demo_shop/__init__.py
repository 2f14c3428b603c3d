"""A sample shop's server side: how a shop wires the inventory service into its product page, cart
and checkout. Not part of the deployed service or its template (see README.md beside this file)."""
