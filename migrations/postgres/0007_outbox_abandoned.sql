-- Notifications a transport refused for good (a rejected address, a 4xx
-- from a webhook) are given up: never claimed again, kept with their error.
ALTER TABLE outbox ADD COLUMN abandoned_at TIMESTAMPTZ;
