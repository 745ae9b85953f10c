-- Periodic jobs run on Hangfire now (Hangfire.InMemory on SQLite), no longer on Quartz.NET.
-- Quartz created its tables itself (ProvisionSchema) in databases that ran an earlier version:
-- drop them where they exist, children before parents (foreign keys).
DROP TABLE IF EXISTS qrtz_fired_triggers;
DROP TABLE IF EXISTS qrtz_simple_triggers;
DROP TABLE IF EXISTS qrtz_cron_triggers;
DROP TABLE IF EXISTS qrtz_simprop_triggers;
DROP TABLE IF EXISTS qrtz_blob_triggers;
DROP TABLE IF EXISTS qrtz_triggers;
DROP TABLE IF EXISTS qrtz_job_details;
DROP TABLE IF EXISTS qrtz_calendars;
DROP TABLE IF EXISTS qrtz_paused_trigger_grps;
DROP TABLE IF EXISTS qrtz_paused_job_grps;
DROP TABLE IF EXISTS qrtz_scheduler_state;
DROP TABLE IF EXISTS qrtz_locks;
DROP TABLE IF EXISTS qrtz_execution_history;
DROP TABLE IF EXISTS qrtz_misfire_history;
DROP TABLE IF EXISTS qrtz_job_status;

-- Each run names the Hangfire job it ran as (its id on the dashboard, /jobs/jobs/details/{id}).
ALTER TABLE job_runs ADD COLUMN hangfire_job TEXT;
