# Shared pytest settings for the converter tests.


def pytest_configure(config):
    # Heavy cases (e.g. the GPEN-2048 conversion) run only with PORTRAIT_SLOW_TESTS=1.
    config.addinivalue_line('markers', 'slow: slow test, run only with PORTRAIT_SLOW_TESTS=1')
