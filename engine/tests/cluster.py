"""A 2-worker local Dask cluster shared by the tests of a module (``client`` fixture): each test
module that uses it imports it (``from engine.tests.cluster import client``)."""

import logging

import pytest


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=logging.ERROR)
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()
