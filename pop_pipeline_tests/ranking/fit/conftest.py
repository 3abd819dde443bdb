from pop_pipeline_tests.ml.torch_threads import single_torch_thread  # noqa: F401
