"""cairn's example DAG: proves a fresh appliance runs tasks on its Celery workers.

Shipped with the cairn package (/usr/share/cairn/airflow/examples/); copy it into the DAG folder
(/var/lib/cairn/airflow/dags by default) to try it. Like every new DAG it starts paused; it has
no schedule, so it runs only when triggered (the UI's play button, or
POST /api/v2/dags/cairn_example/dagRuns).
"""
from __future__ import annotations

import datetime
import socket
import time

from airflow.sdk import dag, get_current_context, task


@dag(
    dag_id="cairn_example",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
    tags=["cairn", "example"],
    default_args={"retries": 2, "retry_delay": datetime.timedelta(seconds=5)},
)
def cairn_example():
    @task
    def hello() -> str:
        """Says which worker ran it; waits the run's conf "seconds" (default 0), to watch it run."""
        worker = socket.gethostname()
        print(f"hello from cairn on worker {worker}")
        time.sleep(float(get_current_context()["dag_run"].conf.get("seconds", 0)))
        return worker

    @task
    def report(worker: str) -> None:
        print(f"the hello task ran on {worker}")

    report(hello())


cairn_example()
