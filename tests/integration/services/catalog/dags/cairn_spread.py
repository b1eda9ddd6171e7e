"""Test DAG of services_airflow: six tasks at once, each holding its worker slot for 15 s, so
that workers running two tasks each cannot take them all and both of two workers must."""
from __future__ import annotations

import datetime
import time

from airflow.sdk import dag, task


@dag(
    dag_id="cairn_spread",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
    catchup=False,
)
def cairn_spread():
    @task
    def hold(slot: int) -> int:
        time.sleep(15)
        return slot

    hold.expand(slot=list(range(6)))


cairn_spread()
