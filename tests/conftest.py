import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def tiny_path(tmp_path_factory):
    from emolens.testing import make_tiny_model

    return make_tiny_model(tmp_path_factory.mktemp("tiny"), n_layers=3, d_model=32)


@pytest.fixture(scope="session")
def tiny(tiny_path):
    from emolens import load_model

    return load_model(str(tiny_path))


@pytest.fixture(scope="session")
def smollm():
    from emolens import load_model

    return load_model("smollm2-135m-instruct")
