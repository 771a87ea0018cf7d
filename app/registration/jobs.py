"""Periodic registration jobs run by the worker: expire holds, promote, remind."""
from datetime import datetime


def run_due_jobs(now: datetime) -> dict:
    """Run every job that is due at `now`; return how many rows each job changed."""
    return {}
