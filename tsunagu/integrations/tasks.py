from __future__ import annotations

from django_tasks import task

from tsunagu.integrations import services


@task()
def check_import(job_id: str) -> str:
    return services.check_job(job_id)


@task()
def apply_import(job_id: str) -> str:
    return services.apply_job(job_id)
