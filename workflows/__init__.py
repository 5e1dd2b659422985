"""Placeholder: filled by the lifecycle and service issues."""
