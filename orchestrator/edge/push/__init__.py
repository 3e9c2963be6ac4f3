"""A2A push notifications: webhook configs, where they may point, and their delivery."""
