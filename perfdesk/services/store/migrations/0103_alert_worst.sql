-- 0103: each alert keeps its episode's worst moment (severity, message, excess over the
-- limit) so the banner and a restart still show how bad it got, not only the latest value.
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS worst jsonb;
