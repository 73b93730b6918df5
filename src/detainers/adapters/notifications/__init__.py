"""Delivery channels: signed CloudEvents over HTTPS webhooks, and e-mail over SMTP."""
