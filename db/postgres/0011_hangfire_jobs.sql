-- Periodic jobs run on Hangfire now (Hangfire.PostgreSql in the schema hangfire, which Hangfire
-- creates and upgrades itself), no longer on Quartz.NET. Quartz created its tables itself
-- (ProvisionSchema) in databases that ran an earlier version: drop them where they exist.
DROP TABLE IF EXISTS qrtz_fired_triggers CASCADE;
DROP TABLE IF EXISTS qrtz_simple_triggers CASCADE;
DROP TABLE IF EXISTS qrtz_cron_triggers CASCADE;
DROP TABLE IF EXISTS qrtz_simprop_triggers CASCADE;
DROP TABLE IF EXISTS qrtz_blob_triggers CASCADE;
DROP TABLE IF EXISTS qrtz_triggers CASCADE;
DROP TABLE IF EXISTS qrtz_job_details CASCADE;
DROP TABLE IF EXISTS qrtz_calendars CASCADE;
DROP TABLE IF EXISTS qrtz_paused_trigger_grps CASCADE;
DROP TABLE IF EXISTS qrtz_paused_job_grps CASCADE;
DROP TABLE IF EXISTS qrtz_scheduler_state CASCADE;
DROP TABLE IF EXISTS qrtz_locks CASCADE;
DROP TABLE IF EXISTS qrtz_execution_history CASCADE;
DROP TABLE IF EXISTS qrtz_misfire_history CASCADE;
DROP TABLE IF EXISTS qrtz_job_status CASCADE;

-- Each run names the Hangfire job it ran as (its id on the dashboard, /jobs/jobs/details/{id}).
ALTER TABLE job_runs ADD COLUMN hangfire_job TEXT;
