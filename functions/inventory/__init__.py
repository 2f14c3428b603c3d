"""Inventory reservation service: stock levels, holds with exact expiry, and low-stock alerts."""
