"""A 2-worker local Dask cluster shared by the tests of a module (``client`` fixture), made as
the engine makes its own (:func:`engine.run.local_cluster`): each test module that uses it imports
it (``from engine.tests.cluster import client``)."""

import pytest

from engine.run import local_cluster


@pytest.fixture(scope="module")
def client():
    from distributed import Client
    cluster = local_cluster(2)
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()
