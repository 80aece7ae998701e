"""SMS through Twilio: sending with the official client (`channel`), the provider's error
codes (`errors`), the inbound and status webhooks (`webhooks`, `signature`, `status`)."""
