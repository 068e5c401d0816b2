"""arq WorkerSettings: the functions and cron jobs every worker process runs."""

from __future__ import annotations

from typing import Any, ClassVar

from arq import cron, func
from arq.connections import RedisSettings

from api.config import get_settings, service_urls
from workers.context import shutdown, startup
from workers.tasks.bulk import JOB_TIMEOUT_SECONDS, bulk_job_created_job, resume_bulk_jobs_job
from workers.tasks.cases import case_followups_job
from workers.tasks.csat import csat_send_job
from workers.tasks.exports import JOB_TIMEOUT_SECONDS as EXPORT_TIMEOUT_SECONDS
from workers.tasks.exports import export_created_job, resume_exports_job, sweep_exports_job
from workers.tasks.housekeeping import purge_expired_job
from workers.tasks.mail import send_mail_job
from workers.tasks.metrics import fold_metrics_job
from workers.tasks.privacy import retention_job
from workers.tasks.report_schedules import report_schedules_job
from workers.tasks.shifts import shift_sweep_job
from workers.tasks.sla_timers import sla_sweep_job
from workers.tasks.sync import purge_pushes_job, sync_channel_job

RETENTION_TIMEOUT_SECONDS = 3600


def redis_settings() -> RedisSettings:
    return RedisSettings.from_dsn(service_urls(get_settings()).redis_url)


class WorkerSettings:
    """Run with `hourglass worker`, which passes `redis_settings()` (arq's own command line would read no
    Redis URL from our settings)."""

    queue_name = "hourglass"
    functions: ClassVar[list[Any]] = [
        purge_expired_job,
        sla_sweep_job,
        send_mail_job,
        sync_channel_job,
        purge_pushes_job,
        case_followups_job,
        csat_send_job,
        fold_metrics_job,
        shift_sweep_job,
        report_schedules_job,
        func(retention_job, timeout=RETENTION_TIMEOUT_SECONDS),
        func(bulk_job_created_job, timeout=JOB_TIMEOUT_SECONDS),
        func(resume_bulk_jobs_job, timeout=JOB_TIMEOUT_SECONDS),
        func(export_created_job, timeout=EXPORT_TIMEOUT_SECONDS),
        func(resume_exports_job, timeout=EXPORT_TIMEOUT_SECONDS),
        sweep_exports_job,
    ]
    cron_jobs: ClassVar[list[Any]] = [
        # unique=True: with several workers, one run per tick cluster-wide.
        cron(purge_expired_job, minute={7, 37}, unique=True, run_at_startup=False),
        cron(sla_sweep_job, second={0}, unique=True, run_at_startup=True),
        cron(send_mail_job, second=set(range(0, 60, 5)), unique=True),
        cron(purge_pushes_job, minute={17}, unique=True, run_at_startup=False),
        cron(case_followups_job, second={30}, unique=True, run_at_startup=False),
        cron(csat_send_job, second={45}, unique=True, run_at_startup=False),
        # The dashboard's rollups trail the events by at most this tick.
        cron(fold_metrics_job, second={15, 45}, unique=True, run_at_startup=True, timeout=300),
        cron(shift_sweep_job, second={15}, unique=True, run_at_startup=True),
        # Exactly once per schedule and period is the unique key's job (report_deliveries), not this tick's.
        cron(report_schedules_job, second={50}, unique=True, run_at_startup=True, timeout=300),
        cron(resume_bulk_jobs_job, second={30}, unique=True, run_at_startup=True, timeout=JOB_TIMEOUT_SECONDS),
        cron(resume_exports_job, second={20}, unique=True, run_at_startup=True, timeout=EXPORT_TIMEOUT_SECONDS),
        # Export files expire after 7 days; hourly is precise enough.
        cron(sweep_exports_job, minute={23}, unique=True, run_at_startup=True, timeout=600),
        # Daily, at a quiet hour (UTC); each batch commits, so a run cut short resumes the next day.
        cron(
            retention_job, hour={3}, minute={40}, unique=True, run_at_startup=False, timeout=RETENTION_TIMEOUT_SECONDS
        ),
    ]
    on_startup = startup
    on_shutdown = shutdown
    max_jobs = 50
    # arq's jobs here are the cron jobs above (the work that must be prompt is in the NOTIFY-woken loops of
    # workers/loops.py), so a half-second queue poll costs nothing in latency; 50 ms was a tenth of an
    # idle worker's CPU in Redis round trips.
    poll_delay = 0.5
    job_timeout = 60
    keep_result = 60
